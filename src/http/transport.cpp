#include <autotask_sync/http/transport.hpp>

#include <algorithm>

namespace autotask_sync::http {

namespace {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

const char* to_string(Method method) noexcept {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPatch:
      return "PATCH";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

void Headers::set(std::string name, std::string value) {
  // The first header of that name keeps its position so that the order stays as given.
  auto first = std::find_if(entries_.begin(), entries_.end(),
                            [&](const auto& entry) { return iequals(entry.first, name); });
  if (first == entries_.end()) {
    entries_.emplace_back(std::move(name), std::move(value));
    return;
  }
  first->first = std::move(name);
  first->second = std::move(value);
  const auto& kept_name = first->first;
  entries_.erase(std::remove_if(std::next(first), entries_.end(),
                                [&](const auto& entry) { return iequals(entry.first, kept_name); }),
                 entries_.end());
}

void Headers::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [entry_name, entry_value] : entries_) {
    if (iequals(entry_name, name)) return std::string_view(entry_value);
  }
  return std::nullopt;
}

void Headers::remove(std::string_view name) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const auto& entry) { return iequals(entry.first, name); }),
                 entries_.end());
}

}  // namespace autotask_sync::http
