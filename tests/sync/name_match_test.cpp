#include "sync/name_match.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace autotask_sync;
using namespace autotask_sync::detail;

namespace {

std::string norm(std::string_view raw, bool strip = true) {
  auto n = normalize_name(raw, strip);
  REQUIRE(n.ok());
  return *n;
}

PreparedName prep(std::string_view raw, bool strip = true) {
  return prepare_name(norm(raw, strip));
}

double sim(std::string_view a, std::string_view b) {
  return name_similarity(prep(a), prep(b));
}

}  // namespace

TEST_CASE("accents, case and compatibility forms normalise away") {
  CHECK(norm("Café Münch") == "cafe munch");
  CHECK(norm("Cafe Munch") == "cafe munch");
  CHECK(norm("CAFÉ MÜNCH") == "cafe munch");
  // The same text with combining marks instead of precomposed letters.
  CHECK(norm("Cafe\xCC\x81 Mu\xCC\x88nch") == "cafe munch");
  CHECK(norm("Straße GmbH") == "strasse");
  CHECK(norm("\xEF\xBC\xA1\xEF\xBC\xA3\xEF\xBC\xAD\xEF\xBC\xA5") == "acme");  // fullwidth ＡＣＭＥ
  CHECK(norm("Ärzte Zürich AG") == "arzte zurich");
  CHECK(sim("Café Münch", "Cafe Munch") == 1.0);
}

TEST_CASE("every apostrophe spelling is removed") {
  for (const char* name : {"O’Brien IT", "O'Brien IT", "OBrien IT", "O‘Brien IT", "Oʼbrien IT",
                           "O′Brien IT", "O`Brien IT", "O´Brien IT", "O＇Brien IT"}) {
    CAPTURE(name);
    CHECK(norm(name) == "obrien it");
  }
}

TEST_CASE("legal forms at the end are removed, several in a row, never down to nothing") {
  for (const char* name : {"Acme Inc",     "ACME, Inc.", "Acme Incorporated", "Acme LLC",
                           "Acme L.L.C.",  "Acme GmbH",  "Acme Pty. Ltd.",    "Acme Pty Ltd",
                           "Acme Limited", "Acme S.A.",  "Acme SARL",         "Acme B.V.",
                           "Acme NV",      "Acme PLC",   "Acme Corp.",        "Acme Corporation",
                           "Acme Company", "Acme Co",    "Acme KG",           "Acme Oy",
                           "Acme AB",      "Acme AS",    "Acme ApS",          "Acme S.r.l.",
                           "Acme SpA",     "Acme KK",    "Acme Company Inc",  "acme"}) {
    CAPTURE(name);
    CHECK(norm(name) == "acme");
  }
  CHECK(norm("Company") == "company");
  CHECK(norm("Inc.") == "inc");
  CHECK(norm("Ltd Inc") == "ltd");                  // stops before the last word
  CHECK(norm("Inc Solutions") == "inc solutions");  // only at the end
  CHECK(norm("Acme GmbH & Co. KG") == "acme");      // kg, co, the dangling "and", gmbh
  CHECK(norm("Smith & Co") == "smith");
  CHECK(norm("Acme Inc", false) == "acme inc");  // service names keep every word
}

TEST_CASE("& is and; other punctuation breaks words; whitespace collapses") {
  CHECK(norm("Johnson & Johnson") == "johnson and johnson");
  CHECK(norm("Johnson and Johnson") == "johnson and johnson");
  CHECK(norm("A&B Plumbing") == "a and b plumbing");
  CHECK(norm("Acme-Widgets/Europe") == "acme widgets europe");
  CHECK(norm("  Acme \t  Widgets\n") == "acme widgets");
  CHECK(norm("Acme\xC2\xA0Widgets") == "acme widgets");  // no-break space
  CHECK(norm("!!!") == "");
  CHECK(norm("") == "");
}

TEST_CASE("text that is not UTF-8 is refused with the offset; sanitize_utf8 shows it safely") {
  auto bad = normalize_name("Acme \xFF Inc");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
  CHECK(bad.error().message.find("offset 5") != std::string::npos);
  CHECK_FALSE(normalize_name("\xC3").ok());          // truncated sequence
  CHECK_FALSE(normalize_name("\xED\xA0\x80").ok());  // an encoded surrogate
  CHECK(sanitize_utf8("Acme \xFF") == "Acme \xEF\xBF\xBD");
  CHECK(sanitize_utf8("Café") == "Café");
}

TEST_CASE("edit distance counts an adjacent transposition as one edit") {
  CHECK(edit_distance(U"kitten", U"sitting") == 3);
  CHECK(edit_distance(U"acme", U"amce") == 1);
  CHECK(edit_distance(U"", U"abc") == 3);
  CHECK(edit_distance(U"abc", U"abc") == 0);
}

TEST_CASE("similarity: 1 only for equal names, else the better of word overlap and edits") {
  CHECK(sim("Acme Inc", "ACME, Inc.") == 1.0);
  // Same words in another order: Jaccard 1, capped below equality.
  CHECK(sim("Acme Widgets", "Widgets Acme") == 0.99);
  // "acme" / "acne": one substitution in 4 code points.
  CHECK(sim("Acme", "Acne") == 0.75);
  // "acme" / "amce": one transposition in 4.
  CHECK(sim("Acme", "Amce") == 0.75);
  // "micro soft" / "microsoft": one deletion in 10.
  CHECK(sim("Micro Soft", "Microsoft") == 0.9);
  // "acme it" / "acme": Jaccard 1/2, edits 1 - 3/7 = 0.5714.
  CHECK(sim("Acme IT", "Acme") == 0.5714);
  // "contoso pharmaceuticals" / "contoso pharmaceutical": one deletion in 23 = 0.9565.
  CHECK(sim("Contoso Pharmaceuticals", "Contoso Pharmaceutical Ltd") == 0.9565);
  CHECK(sim("", "Acme") == 0.0);
  CHECK(sim("!!!", "...") == 0.0);  // empty names never match, not even each other
  CHECK(sim("Acme", "Acne") == sim("Acne", "Acme"));
}

TEST_CASE("product match: equal, word run, joined substring, else capped similarity") {
  const PreparedName product = prep("JumpCloud", false);
  CHECK(product_match(prep("JumpCloud", false), product) == 1.0);
  CHECK(product_match(prep("JumpCloud Directory - per user", false), product) == 0.95);
  CHECK(product_match(prep("Jumpcloud SSO", false), prep("Jump Cloud", false)) == 0.9);
  CHECK(product_match(prep("Backup per device", false), product) < 0.6);
  CHECK(product_match(prep("JumpCloud", false), prep("", false)) == 0.0);
}

TEST_CASE("the index finds names sharing a word or a word prefix, strongest first") {
  NameIndex index;
  for (const char* n : {"acme", "acme widgets", "contoso", "acmee"}) index.add(prep(n));
  CHECK(index.exact("acme") == std::vector<std::uint32_t>{0});
  CHECK(index.exact("nobody").empty());
  // acme widgets: w:acme 2/2 + w:widgets 2/1 + p:acm 1/3 + p:wid 1/1; acme: 2/2 + 1/3;
  // acmee: 1/3 (prefix only); contoso shares nothing.
  CHECK(index.candidates(prep("Acme Widgets"), 10) == std::vector<std::uint32_t>{1, 0, 3});
  CHECK(index.candidates(prep("Acme Widgets"), 2) == std::vector<std::uint32_t>{1, 0});
  CHECK(index_keys(prep("Acme Widgets")) ==
        std::vector<std::string>{"w:acme", "w:widgets", "p:acm", "p:wid"});
}

TEST_CASE("keys carried by more than 1000 names are not followed") {
  NameIndex index;
  for (int i = 0; i < 1001; ++i) index.add(prep("tenant " + std::to_string(i) + " holdings"));
  CHECK(index.frequent_key_limit() == 1000);
  // "holdings" and "hol" are on 1001 names, "zzz" on none: nothing to score.
  CHECK(index.candidates(prep("Zzz Holdings"), 50).empty());
  // "17" is on one name.
  CHECK(index.candidates(prep("Tenant 17 Holdings"), 50) == std::vector<std::uint32_t>{17});
}
