// Company-name matching for the mapping assistant: Unicode normalisation, a similarity score and
// an inverted index that proposes which names are worth scoring.
//
// Normalisation (normalize_name):
//  1. The text must be valid UTF-8; otherwise kInvalidArgument naming the byte offset. (Nothing
//     is guessed: a name that cannot be decoded cannot be matched, and the caller says so.)
//  2. Apostrophes are removed, in every spelling (' ’ ‘ ʼ ′ ` ´ and the fullwidth ＇), so that
//     "O’Brien" = "O'Brien" = "OBrien".
//  3. utf8proc: NFKC (compatibility composition: fullwidth letters, ligatures, NBSP), case
//     folding ("ß" -> "ss"), combining marks stripped ("Münch" -> "munch") and default-ignorable
//     characters dropped.
//  4. "&" becomes the word "and"; every other character that is not a letter or a digit is a word
//     break; runs of breaks collapse to one space, none leading or trailing.
//  5. With strip_legal_suffixes, trailing legal-form words are removed, several in a row ("Acme
//     Pty. Ltd." -> "acme"), each compared as normalised tokens ("L.L.C." is "l l c"); a dangling
//     "and" left by "& Co" goes too. A name is never stripped to nothing: "Company" stays
//     "company".
//
// Similarity (name_similarity) of two normalised names, in [0, 1]: 1 exactly when the names are
// equal; otherwise the larger of the Jaccard index of their token sets and 1 - d/n, where d is the
// optimal-string-alignment (Damerau) distance between the names in code points and n the longer
// length; capped at 0.99 and rounded to 4 places. Deterministic.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace autotask_sync::detail {

// The normalised form of `raw` (see above). kInvalidArgument for text that is not UTF-8.
Result<std::string> normalize_name(std::string_view raw, bool strip_legal_suffixes = true);

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD, so that
// it can be shown in a report.
std::string sanitize_utf8(std::string_view text);

// A normalised name prepared for scoring.
struct PreparedName {
  std::string text;                    // the normalised name
  std::u32string code_points;          // text decoded
  std::vector<std::string> tokens;     // the words of text, in order
  std::vector<std::string> token_set;  // sorted, unique
};

// Precondition: `normalized` is the output of normalize_name (valid UTF-8).
PreparedName prepare_name(std::string normalized);

// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
// adjacent code points, each costing 1.
std::size_t edit_distance(std::u32string_view a, std::u32string_view b);

double name_similarity(const PreparedName& a, const PreparedName& b);

// How well a service name stands for a product, both prepared from normalize_name(..., false):
// 1 for equal names, 0.95 when the product's words appear as a run of the service's words
// ("jumpcloud" in "jumpcloud directory per user"), 0.9 when the product without spaces is part
// of the service name without spaces ("jump cloud" in "jumpcloud sso"), otherwise the name
// similarity capped at 0.89. 0 for an empty product.
double product_match(const PreparedName& service, const PreparedName& product);

// An inverted index over normalised names. Keys are the words of each name and, for words of 4
// code points or more, their first 3 code points. An entry is referred to by its position in the
// order of add().
class NameIndex {
 public:
  void add(PreparedName name);
  std::size_t size() const noexcept { return names_.size(); }
  const PreparedName& name(std::size_t entry) const { return names_[entry]; }

  // The entries whose normalised name equals `text`, in the order added.
  const std::vector<std::uint32_t>& exact(const std::string& text) const;

  // Entries sharing at least one key with `name`, the strongest first (each shared key adds
  // 1/df for a prefix, 2/df for a whole word, df being how many entries carry it; ties by
  // position), at most `limit`. Keys carried by more than frequent_key_limit() entries ("ltd",
  // "services" in a large tenant) are not followed: they say too little to be worth the work.
  std::vector<std::uint32_t> candidates(const PreparedName& name, std::size_t limit) const;

  std::size_t frequent_key_limit() const noexcept {
    return names_.size() / 20 > 1000 ? names_.size() / 20 : 1000;
  }

 private:
  std::vector<PreparedName> names_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> exact_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> postings_;
};

// The index keys of a prepared name ("w:acme", "p:acm"), unique, in a fixed order.
std::vector<std::string> index_keys(const PreparedName& name);

}  // namespace autotask_sync::detail
