//===- JsonReaderTest.cpp - The located JSON reader -----------------------===//
//
// Tests that the JSON reader under the Keras frontend reads every JSON value
// form with its location, and rejects malformed text with the expected
// message at the expected line and column.
//
//===----------------------------------------------------------------------===//
#include "JsonTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace kiln::frontend;
using namespace kiln::frontend::testing;
using Kind = KValue::Kind;

namespace {

TEST(JsonReader, ObjectKeepsFieldOrderAndLocations) {
  auto p = parseJson("{\"b\": true,\n \"a\": [1, -2, 3.5, 1e3, null, false, "
                     "\"x\"], \"c\": {}}");
  ASSERT_TRUE(p.value) << p.errors;
  const KValue &v = *p.value;
  ASSERT_EQ(v.kind, Kind::Dict);
  ASSERT_EQ(v.fields.size(), 3u);
  EXPECT_EQ(v.fields[0].first, "b");
  EXPECT_EQ(v.fields[1].first, "a");
  EXPECT_EQ(v.fields[2].first, "c");
  EXPECT_EQ(p.lineCol(v.loc), "1:1");
  EXPECT_EQ(v.fields[0].second.kind, Kind::Bool);
  EXPECT_TRUE(v.fields[0].second.b);
  EXPECT_EQ(p.lineCol(v.fields[0].second.loc), "1:7");
  const KValue &a = *v.get("a");
  ASSERT_EQ(a.kind, Kind::List);
  EXPECT_EQ(p.lineCol(a.loc), "2:7");
  ASSERT_EQ(a.items.size(), 7u);
  EXPECT_EQ(a.items[0].kind, Kind::Int);
  EXPECT_EQ(a.items[0].i, 1);
  EXPECT_EQ(a.items[1].kind, Kind::Int);
  EXPECT_EQ(a.items[1].i, -2);
  EXPECT_EQ(p.lineCol(a.items[1].loc), "2:11");
  EXPECT_EQ(a.items[2].kind, Kind::Float);
  EXPECT_EQ(a.items[2].f, 3.5);
  EXPECT_EQ(a.items[3].kind, Kind::Float);
  EXPECT_EQ(a.items[3].f, 1000.0);
  EXPECT_TRUE(a.items[4].isNone());
  EXPECT_EQ(a.items[5].kind, Kind::Bool);
  EXPECT_FALSE(a.items[5].b);
  EXPECT_EQ(a.items[6].kind, Kind::String);
  EXPECT_EQ(a.items[6].s, "x");
  EXPECT_EQ(v.get("c")->kind, Kind::Dict);
  EXPECT_TRUE(v.get("c")->fields.empty());
}

TEST(JsonReader, IntegersThatFitInt64AreInts) {
  auto p = parseJson("[9223372036854775807, -9223372036854775808, "
                     "9223372036854775808, -0, 0, 1.0, 2E-2, 123456789012]");
  ASSERT_TRUE(p.value) << p.errors;
  const auto &it = p.value->items;
  ASSERT_EQ(it.size(), 8u);
  EXPECT_EQ(it[0].kind, Kind::Int);
  EXPECT_EQ(it[0].i, INT64_MAX);
  EXPECT_EQ(it[1].kind, Kind::Int);
  EXPECT_EQ(it[1].i, INT64_MIN);
  EXPECT_EQ(it[2].kind, Kind::Float);
  EXPECT_EQ(it[2].f, 9223372036854775808.0);
  EXPECT_EQ(it[3].kind, Kind::Int);
  EXPECT_EQ(it[3].i, 0);
  EXPECT_EQ(it[5].kind, Kind::Float);
  EXPECT_EQ(it[5].f, 1.0);
  EXPECT_EQ(it[6].kind, Kind::Float);
  EXPECT_DOUBLE_EQ(it[6].f, 0.02);
  EXPECT_EQ(it[7].i, 123456789012);
}

TEST(JsonReader, FloatsReadBackExactly) {
  // What Python's repr writes for float32 values Keras stored as doubles.
  auto p = parseJson("[0.0005000000237487257, 9.999999747378752e-05, 2e-05]");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_EQ(p.value->items[0].f, 0.0005000000237487257);
  EXPECT_EQ(p.value->items[1].f, 9.999999747378752e-05);
  EXPECT_EQ(p.value->items[2].f, 2e-05);
}

TEST(JsonReader, PythonNanAndInfinity) {
  auto p = parseJson("[NaN, Infinity, -Infinity]");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_TRUE(std::isnan(p.value->items[0].f));
  EXPECT_EQ(p.value->items[1].f, INFINITY);
  EXPECT_EQ(p.value->items[2].f, -INFINITY);
  EXPECT_EQ(p.lineCol(p.value->items[2].loc), "1:17");
}

TEST(JsonReader, StringEscapes) {
  auto p = parseJson(R"(["\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\ud83d\ude00",
                         "a\u0000b", "caf\u00C9"])");
  ASSERT_TRUE(p.value) << p.errors;
  const auto &it = p.value->items;
  EXPECT_EQ(it[0].s, "\"\\/\b\f\n\r\t");
  EXPECT_EQ(it[1].s, "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(it[2].s, "\xF0\x9F\x98\x80");
  EXPECT_EQ(it[3].s, std::string("a\0b", 3));
  EXPECT_EQ(it[4].s, "caf\xC3\x89");
}

TEST(JsonReader, RawUtf8AndInvalidBytesPassThrough) {
  auto p = parseJson("[\"\xC3\xA9\", \"\xFF\xFE\"]");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_EQ(p.value->items[0].s, "\xC3\xA9");
  EXPECT_EQ(p.value->items[1].s, "\xFF\xFE");
}

TEST(JsonReader, RepeatedKeyKeepsFirstPlaceAndLastValue) {
  auto p = parseJson(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_TRUE(p.value) << p.errors;
  ASSERT_EQ(p.value->fields.size(), 2u);
  EXPECT_EQ(p.value->fields[0].first, "a");
  EXPECT_EQ(p.value->fields[0].second.i, 3);
  EXPECT_EQ(p.value->fields[1].second.i, 2);
}

TEST(JsonReader, ByteOrderMarkAndSurroundingSpace) {
  auto p = parseJson("\xEF\xBB\xBF \r\n\t[]\n\n");
  ASSERT_TRUE(p.value) << p.errors;
  EXPECT_EQ(p.value->kind, Kind::List);
}

TEST(JsonReader, NestingIsLimited) {
  std::string ok = std::string(256, '[') + std::string(256, ']');
  EXPECT_TRUE(parseJson(ok).value);
  std::string deep = std::string(257, '[') + std::string(257, ']');
  auto p = parseJson(deep);
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.firstLine(),
            "test.json:1:257: error: JSON nested deeper than 256 levels");
  // Far deeper than any stack would allow without the limit.
  auto q = parseJson(std::string(1000000, '['));
  EXPECT_FALSE(q.value);
  EXPECT_EQ(q.firstLine(),
            "test.json:1:257: error: JSON nested deeper than 256 levels");
  auto r = parseJson("[{\"a\": [1]}]", 2);
  EXPECT_EQ(r.firstLine(),
            "test.json:1:8: error: JSON nested deeper than 2 levels");
}

struct BadJson {
  const char *text;
  const char *firstLine;
};

class JsonReaderError : public ::testing::TestWithParam<BadJson> {};

TEST_P(JsonReaderError, ReportsFirstErrorWithLocation) {
  auto p = parseJson(GetParam().text);
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.firstLine(), GetParam().firstLine);
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, JsonReaderError,
    ::testing::Values(
        BadJson{"", "test.json:1:1: error: expected a JSON value, found end "
                    "of input"},
        BadJson{"  \n ", "test.json:2:2: error: expected a JSON value, found "
                         "end of input"},
        BadJson{"[1,]", "test.json:1:4: error: expected a JSON value, found "
                        "']'"},
        BadJson{"[1 2]", "test.json:1:4: error: expected ',' or ']' after an "
                         "array element, found '2'"},
        BadJson{"[1", "test.json:1:3: error: expected ',' or ']' after an "
                      "array element, found end of input"},
        BadJson{"{\"a\" 1}", "test.json:1:6: error: expected ':' after an "
                             "object key, found '1'"},
        BadJson{"{\"a\":1,}", "test.json:1:8: error: expected a string key "
                              "in an object, found '}'"},
        BadJson{"{a:1}", "test.json:1:2: error: expected a string key in an "
                         "object, found 'a'"},
        BadJson{"{\"a\":1 \"b\":2}", "test.json:1:8: error: expected ',' or "
                                     "'}' after an object member, found '\"'"},
        BadJson{"{\"a\":", "test.json:1:6: error: expected a JSON value, "
                           "found end of input"},
        BadJson{"\"abc", "test.json:1:1: error: unterminated string"},
        BadJson{"[\"abc\\", "test.json:1:2: error: unterminated string"},
        BadJson{"\"a\nb\"", "test.json:1:3: error: control character 0x0A "
                            "in a string must be escaped"},
        BadJson{"\"a\tb\"", "test.json:1:3: error: control character 0x09 "
                            "in a string must be escaped"},
        BadJson{"\"\\x\"", "test.json:1:2: error: invalid escape in a string: "
                           "'\\' followed by 'x'"},
        BadJson{"\"\\u12G4\"", "test.json:1:2: error: expected 4 hex digits "
                               "after '\\u'"},
        BadJson{"\"\\u12", "test.json:1:2: error: expected 4 hex digits after "
                           "'\\u'"},
        BadJson{"\"\\ud800\"", "test.json:1:2: error: unpaired UTF-16 "
                               "surrogate in a \\u escape"},
        BadJson{"\"\\udc00\"", "test.json:1:2: error: unpaired UTF-16 "
                               "surrogate in a \\u escape"},
        BadJson{"\"\\ud800\\u0041\"", "test.json:1:2: error: unpaired UTF-16 "
                                      "surrogate in a \\u escape"},
        BadJson{"tru", "test.json:1:1: error: expected a JSON value, found "
                       "'tru'"},
        BadJson{"[True]", "test.json:1:2: error: expected a JSON value, found "
                          "'True'"},
        BadJson{"-NaN", "test.json:1:2: error: expected a digit after '-', "
                        "found 'N'"},
        BadJson{"-Inf", "test.json:1:1: error: expected a JSON value, found "
                        "'-Inf'"},
        BadJson{"-", "test.json:1:2: error: expected a digit after '-', found "
                     "end of input"},
        BadJson{"-a", "test.json:1:2: error: expected a digit after '-', "
                      "found 'a'"},
        BadJson{"1.", "test.json:1:3: error: expected a digit after the "
                      "decimal point, found end of input"},
        BadJson{"1e+", "test.json:1:4: error: expected a digit in the "
                       "exponent, found end of input"},
        BadJson{".5", "test.json:1:1: error: expected a JSON value, found "
                      "'.'"},
        BadJson{"01", "test.json:1:2: error: expected end of input after the "
                      "JSON value, found '1'"},
        BadJson{"[1] x", "test.json:1:5: error: expected end of input after "
                         "the JSON value, found 'x'"},
        BadJson{"{} {}", "test.json:1:4: error: expected end of input after "
                         "the JSON value, found '{'"},
        BadJson{"\x01", "test.json:1:1: error: expected a JSON value, found "
                        "byte 0x01"},
        BadJson{"{\n  \"a\": [1,\n    2,,\n  ]\n}",
                "test.json:3:7: error: expected a JSON value, found ','"}));

} // namespace
