#include "sync/name_match.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>

namespace autotask_sync::detail {

namespace {

bool is_apostrophe(std::int32_t c) {
  switch (c) {
    case 0x0027:  // '
    case 0x0060:  // `
    case 0x00B4:  // ´
    case 0x02BC:  // ʼ
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x2032:  // ′
    case 0xFF07:  // ＇
      return true;
    default:
      return false;
  }
}

bool is_letter_or_digit(std::int32_t c) {
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

void append_utf8(std::string& out, std::int32_t c) {
  std::array<utf8proc_uint8_t, 4> buf{};
  const auto n = utf8proc_encode_char(c, buf.data());
  out.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
}

// Decodes valid UTF-8; the byte offset of the first bad sequence otherwise.
struct Decoded {
  std::u32string code_points;
  std::ptrdiff_t bad_offset = -1;
};

Decoded decode(std::string_view s) {
  Decoded d;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  const auto len = static_cast<utf8proc_ssize_t>(s.size());
  utf8proc_ssize_t i = 0;
  while (i < len) {
    utf8proc_int32_t c = 0;
    const auto n = utf8proc_iterate(p + i, len - i, &c);
    if (n <= 0 || c < 0) {
      d.bad_offset = static_cast<std::ptrdiff_t>(i);
      return d;
    }
    d.code_points.push_back(static_cast<char32_t>(c));
    i += n;
  }
  return d;
}

// Legal forms, as normalised token runs. Matched at the end of a name, longest run first.
const std::vector<std::vector<std::string>>& legal_suffixes() {
  static const std::vector<std::vector<std::string>> list = [] {
    std::vector<std::vector<std::string>> l = {
        {"inc"},         {"incorporated"}, {"llc"},         {"l", "l", "c"},
        {"ltd"},         {"limited"},      {"gmbh"},        {"ag"},
        {"sa"},          {"s", "a"},       {"sarl"},        {"s", "a", "r", "l"},
        {"sas"},         {"s", "a", "s"},  {"bv"},          {"b", "v"},
        {"nv"},          {"n", "v"},       {"pty"},         {"plc"},
        {"co"},          {"corp"},         {"corporation"}, {"company"},
        {"kg"},          {"oy"},           {"ab"},          {"as"},
        {"aps"},         {"srl"},          {"s", "r", "l"}, {"spa"},
        {"s", "p", "a"}, {"kk"},
    };
    std::stable_sort(l.begin(), l.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return l;
  }();
  return list;
}

bool ends_with(const std::vector<std::string>& tokens, const std::vector<std::string>& tail) {
  if (tail.size() > tokens.size()) return false;
  return std::equal(tail.begin(), tail.end(),
                    tokens.end() - static_cast<std::ptrdiff_t>(tail.size()));
}

void strip_suffixes(std::vector<std::string>& tokens) {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& suffix : legal_suffixes()) {
      if (tokens.size() > suffix.size() && ends_with(tokens, suffix)) {
        tokens.resize(tokens.size() - suffix.size());
        if (tokens.size() > 1 && tokens.back() == "and") tokens.pop_back();  // "Smith & Co"
        changed = true;
        break;
      }
    }
  }
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

double round4(double x) {
  return std::round(x * 10000.0) / 10000.0;
}

}  // namespace

Result<std::string> normalize_name(std::string_view raw, bool strip_legal_suffixes) {
  const Decoded in = decode(raw);
  if (in.bad_offset >= 0) {
    return Error(ErrorCode::kInvalidArgument, "the name is not valid UTF-8 (bad byte at offset " +
                                                  std::to_string(in.bad_offset) + ")");
  }
  // Apostrophes first: NFKC would turn "´" into a space and a combining accent.
  std::string pre;
  pre.reserve(raw.size());
  for (char32_t c : in.code_points) {
    if (!is_apostrophe(static_cast<std::int32_t>(c)))
      append_utf8(pre, static_cast<std::int32_t>(c));
  }

  utf8proc_uint8_t* mapped = nullptr;
  const auto n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(pre.data()),
      static_cast<utf8proc_ssize_t>(pre.size()), &mapped,
      static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> holder(mapped, &std::free);
  if (n < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("the name cannot be normalised: ") + utf8proc_errmsg(n));
  }
  const Decoded folded =
      decode(std::string_view(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n)));

  std::string spaced;
  spaced.reserve(static_cast<std::size_t>(n) + 8);
  for (char32_t u : folded.code_points) {
    const auto c = static_cast<std::int32_t>(u);
    if (is_apostrophe(c)) continue;  // fullwidth and other forms NFKC turned into "'"
    if (c == '&') {
      spaced += " and ";
    } else if (is_letter_or_digit(c)) {
      append_utf8(spaced, c);
    } else {
      spaced.push_back(' ');
    }
  }
  std::vector<std::string> words = split_words(spaced);
  if (strip_legal_suffixes) strip_suffixes(words);
  return join(words);
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  const auto len = static_cast<utf8proc_ssize_t>(text.size());
  utf8proc_ssize_t i = 0;
  while (i < len) {
    utf8proc_int32_t c = 0;
    const auto n = utf8proc_iterate(p + i, len - i, &c);
    if (n <= 0 || c < 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.substr(static_cast<std::size_t>(i), static_cast<std::size_t>(n)));
    i += n;
  }
  return out;
}

PreparedName prepare_name(std::string normalized) {
  PreparedName p;
  p.code_points = decode(normalized).code_points;
  p.tokens = split_words(normalized);
  p.token_set = p.tokens;
  std::sort(p.token_set.begin(), p.token_set.end());
  p.token_set.erase(std::unique(p.token_set.begin(), p.token_set.end()), p.token_set.end());
  p.text = std::move(normalized);
  return p;
}

std::size_t edit_distance(std::u32string_view a, std::u32string_view b) {
  const std::size_t m = a.size(), n = b.size();
  if (m == 0) return n;
  if (n == 0) return m;
  // Three rows: the one before the previous is needed for transpositions.
  std::vector<std::size_t> before(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= m; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t d = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d = std::min(d, before[j - 2] + 1);
      }
      cur[j] = d;
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

double name_similarity(const PreparedName& a, const PreparedName& b) {
  if (a.text.empty() || b.text.empty()) return 0.0;
  if (a.text == b.text) return 1.0;
  std::size_t common = 0;
  {
    auto i = a.token_set.begin();
    auto j = b.token_set.begin();
    while (i != a.token_set.end() && j != b.token_set.end()) {
      if (*i < *j) {
        ++i;
      } else if (*j < *i) {
        ++j;
      } else {
        ++common, ++i, ++j;
      }
    }
  }
  const std::size_t all = a.token_set.size() + b.token_set.size() - common;
  const double jaccard = all ? static_cast<double>(common) / static_cast<double>(all) : 0.0;
  const std::size_t longer = std::max(a.code_points.size(), b.code_points.size());
  const double edit = 1.0 - static_cast<double>(edit_distance(a.code_points, b.code_points)) /
                                static_cast<double>(longer);
  return round4(std::min(0.99, std::max(jaccard, edit)));
}

double product_match(const PreparedName& service, const PreparedName& product) {
  if (product.text.empty() || service.text.empty()) return 0.0;
  if (service.text == product.text) return 1.0;
  if ((" " + service.text + " ").find(" " + product.text + " ") != std::string::npos) return 0.95;
  auto squeeze = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c != ' ') out.push_back(c);
    }
    return out;
  };
  if (squeeze(service.text).find(squeeze(product.text)) != std::string::npos) return 0.9;
  return std::min(0.89, name_similarity(service, product));
}

std::vector<std::string> index_keys(const PreparedName& name) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  auto add = [&](std::string k) {
    if (seen.insert(k).second) keys.push_back(std::move(k));
  };
  for (const auto& t : name.tokens) add("w:" + t);
  for (const auto& t : name.tokens) {
    const Decoded d = decode(t);
    if (d.code_points.size() < 4) continue;
    std::string prefix;
    for (std::size_t i = 0; i < 3; ++i)
      append_utf8(prefix, static_cast<std::int32_t>(d.code_points[i]));
    add("p:" + prefix);
  }
  return keys;
}

void NameIndex::add(PreparedName name) {
  const auto entry = static_cast<std::uint32_t>(names_.size());
  exact_[name.text].push_back(entry);
  for (auto& key : index_keys(name)) postings_[std::move(key)].push_back(entry);
  names_.push_back(std::move(name));
}

const std::vector<std::uint32_t>& NameIndex::exact(const std::string& text) const {
  static const std::vector<std::uint32_t> none;
  auto it = exact_.find(text);
  return it == exact_.end() ? none : it->second;
}

std::vector<std::uint32_t> NameIndex::candidates(const PreparedName& name,
                                                 std::size_t limit) const {
  std::unordered_map<std::uint32_t, double> weight;
  std::vector<std::uint32_t> touched;
  const std::size_t frequent = frequent_key_limit();
  for (const auto& key : index_keys(name)) {
    auto it = postings_.find(key);
    if (it == postings_.end() || it->second.size() > frequent) continue;
    const double w = (key[0] == 'w' ? 2.0 : 1.0) / static_cast<double>(it->second.size());
    for (std::uint32_t e : it->second) {
      auto [slot, inserted] = weight.try_emplace(e, 0.0);
      if (inserted) touched.push_back(e);
      slot->second += w;
    }
  }
  std::sort(touched.begin(), touched.end(), [&](std::uint32_t a, std::uint32_t b) {
    const double wa = weight[a], wb = weight[b];
    return wa != wb ? wa > wb : a < b;
  });
  if (touched.size() > limit) touched.resize(limit);
  return touched;
}

}  // namespace autotask_sync::detail
