// CSV decoding and the malformed-file cases: each gives its error naming file, line and column,
// or is skipped and counted.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <cmath>
#include <fstream>
#include <random>

#include "data/dataset.h"
#include "test_dirs.h"

namespace tg::data {
namespace {

namespace fs = std::filesystem;

std::string temp_file(const std::string& name, const std::string& content) {
  std::string path = test::temp_path(name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

CsvSchema abc_schema() {
  return CsvSchema({{"a", DType::Float32}, {"b", DType::Int32}, {"c", DType::String}});
}

std::vector<Batch> read_all(DatasetOptions o, CsvSchema schema) {
  CsvDataset ds(std::move(o), std::move(schema));
  auto it = ds.iterate();
  std::vector<Batch> out;
  while (auto b = it->next()) out.push_back(std::move(*b));
  return out;
}

TEST(Csv, SplitsQuotedFields) {
  std::vector<std::string_view> f;
  std::string scratch;
  ASSERT_TRUE(split_fields(R"(1,"a, b","say ""hi""",)", f, scratch));
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[1], "a, b");
  EXPECT_EQ(f[2], "say \"hi\"");
  EXPECT_EQ(f[3], "");
  EXPECT_FALSE(split_fields(R"(1,"open)", f, scratch));
}

TEST(Csv, DefaultsFillEmptyFields) {
  CsvSchema s({{"x", DType::Float64, "2.5"}, {"n", DType::Int64, "-1"}, {"s", DType::String, "none"}});
  Row r = s.make_row();
  std::string scratch;
  EXPECT_EQ(s.decode(",,", r, scratch), "");
  EXPECT_EQ(r.real[0], 2.5);
  EXPECT_EQ(r.integer[1], -1);
  EXPECT_EQ(r.text[2], "none");
  EXPECT_EQ(s.decode("1e3, 7 ,abc", r, scratch), "");
  EXPECT_EQ(r.real[0], 1000);
  EXPECT_EQ(r.integer[1], 7);
  EXPECT_THROW(CsvSchema({{"x", DType::Float32, "many"}}), Error);
}

TEST(Csv, NumbersParseExactlyLikeStrtod) {
  CsvSchema s({{"x", DType::Float64}, {"y", DType::Float64}});
  Row r = s.make_row();
  std::string scratch;
  std::mt19937_64 rng(3);
  const char* forms[] = {"%.6f", "%.2f", "%.0f", "%.15g", "%.17g", "%g", "%.3e"};
  for (int i = 0; i < 20000; ++i) {
    double v = std::uniform_real_distribution<double>(-200, 200)(rng) * std::pow(10.0, static_cast<double>(rng() % 12) - 6);
    char a[64], b[64];
    std::snprintf(a, sizeof a, forms[i % 7], v);
    std::snprintf(b, sizeof b, forms[(i + 3) % 7], -v);
    ASSERT_EQ(s.decode(std::string(a) + "," + b, r, scratch), "") << a << "," << b;
    ASSERT_EQ(r.real[0], std::strtod(a, nullptr)) << a;
    ASSERT_EQ(r.real[1], std::strtod(b, nullptr)) << b;
  }
  for (const char* bad : {"-,1", ".,1", "1.2.3,1", "1-2,1", "0x10,1", "1 2,1"})
    EXPECT_NE(s.decode(bad, r, scratch), "") << bad;
  EXPECT_EQ(s.decode(" 7.5 ,.5", r, scratch), "");
  EXPECT_EQ(r.real[0], 7.5);
  EXPECT_EQ(r.real[1], 0.5);
}

TEST(Csv, HandlesCrlfBomMissingNewlineAndQuotedNewlines) {
  std::string path = temp_file("odd.csv", "\xEF\xBB\xBF" "x,s\r\n1,\"two\nlines\"\r\n\r\n3,plain");
  DatasetOptions o;
  o.files = {path};
  o.header = true;
  o.batch_size = 10;
  auto batches = read_all(o, CsvSchema({{"x", DType::Int64}, {"s", DType::String}}));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].rows, 2);
  EXPECT_EQ(batches[0]["x"].to_vector<int64_t>(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(batches[0]["s"].data<std::string>()[0], "two\nlines");
  EXPECT_EQ(batches[0]["s"].data<std::string>()[1], "plain");
}

TEST(Csv, ColumnNamesFromTheHeader) {
  std::string path = temp_file("named.csv", "fare,distance\n5.5,1.2\n7.0,2.0\n");
  DatasetOptions o;
  o.files = {path};
  o.header = true;
  auto batches = read_all(o, CsvSchema());
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].names, (std::vector<std::string>{"fare", "distance"}));
  EXPECT_EQ(batches[0]["distance"].to_vector<float>(), (std::vector<float>{1.2f, 2.0f}));
}

struct Malformed {
  const char* file;
  const char* error;  // expected in the message, after "<file>:<line>: "
  int line;
  int64_t good_rows;
};

class MalformedCsv : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedCsv, StopsWithFileLineAndColumn) {
  const Malformed& m = GetParam();
  std::string path = std::string(TG_TEST_DATA_DIR) + "/malformed/" + m.file;
  DatasetOptions o;
  o.files = {path};
  o.batch_size = 1;
  try {
    read_all(o, abc_schema());
    FAIL() << m.file << " was accepted";
  } catch (const Error& e) {
    std::string want = std::string(m.file) + ":" + std::to_string(m.line) + ": " + m.error;
    EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
  }
}

TEST_P(MalformedCsv, SkipsAndCountsWhenAsked) {
  const Malformed& m = GetParam();
  DatasetOptions o;
  o.files = {std::string(TG_TEST_DATA_DIR) + "/malformed/" + m.file};
  o.bad_rows = BadRows::Skip;
  o.batch_size = 100;
  std::vector<EpochStats> seen;
  o.on_epoch_end = [&](const EpochStats& s) { seen.push_back(s); };
  auto batches = read_all(o, abc_schema());
  int64_t rows = 0;
  for (auto& b : batches) rows += b.rows;
  EXPECT_EQ(rows, m.good_rows);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].bad_rows, 1);
  EXPECT_EQ(seen[0].rows, m.good_rows);
}

INSTANTIATE_TEST_SUITE_P(
    Files, MalformedCsv,
    ::testing::Values(Malformed{"wrong_field_count.csv", "expected 3 fields, found 2", 3, 2},
                      Malformed{"unparsable_number.csv", "column 2 (b): cannot parse 'x7' as int32", 2, 1},
                      Malformed{"non_finite.csv", "column 1 (a): 'inf' is not a finite number", 2, 2},
                      Malformed{"unterminated_quote.csv", "unterminated quoted field", 2, 1},
                      Malformed{"empty_without_default.csv", "column 2 (b): empty field and no default", 2, 1},
                      Malformed{"int32_overflow.csv", "column 2 (b): '99999999999' does not fit int32", 2, 1},
                      Malformed{"too_many_fields.csv", "expected 3 fields, found 4", 2, 2},
                      Malformed{"too_many_fields_quoted.csv", "expected 3 fields, found 4", 2, 2},
                      Malformed{"float32_overflow.csv", "column 1 (a): '1e39' overflows float32", 2, 2}),
    [](const ::testing::TestParamInfo<Malformed>& i) {
      std::string n = i.param.file;
      return n.substr(0, n.find('.'));
    });

TEST(Csv, MissingFilesAndEmptyGlobsAreNamed) {
  DatasetOptions o;
  o.files = {"/nonexistent/taxi-train*"};
  try {
    CsvDataset ds(o, abc_schema());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'/nonexistent/taxi-train*' matches no file"), std::string::npos);
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

// A bad field is quoted briefly with its control bytes escaped: a NUL no longer cuts the
// message, and a megabyte of junk is not printed back.
TEST(Csv, BadFieldsAreQuotedBrieflyAndEscaped) {
  CsvSchema s = abc_schema();
  Row r = s.make_row();
  std::string scratch;
  std::string nul("1.5,x\0y\x1b,abc", 13);
  std::string err = s.decode(nul, r, scratch);
  EXPECT_NE(err.find(R"(cannot parse 'x\x00y\x1b' as int32)"), std::string::npos) << err;
  std::string junk = "1.5," + std::string(1 << 20, 'z') + ",abc";
  err = s.decode(junk, r, scratch);
  EXPECT_LT(err.size(), 300u);
  EXPECT_NE(err.find("... (1048576 bytes)"), std::string::npos) << err.substr(0, 300);
}

// Finite as a double, infinite as float32: an error naming the column, not inf in training.
TEST(Csv, Float32OverflowIsABadRowButFloat64Keeps) {
  Row r;
  std::string scratch;
  CsvSchema f32({{"x", DType::Float32}});
  r = f32.make_row();
  EXPECT_NE(f32.decode("-3.5e38", r, scratch).find("overflows float32"), std::string::npos);
  EXPECT_EQ(f32.decode("3.4e38", r, scratch), "");
  CsvSchema f64({{"x", DType::Float64}});
  r = f64.make_row();
  EXPECT_EQ(f64.decode("1e300", r, scratch), "");
  EXPECT_EQ(r.real[0], 1e300);
}

TEST(Csv, ARecordLongerThanTheLimitNamesFileAndLine) {
  std::string path = temp_file("no_newline.csv", "1.5,2,abc\n2.5,3," + std::string(3 << 20, 'q'));
  DatasetOptions o;
  o.files = {path};
  try {
    read_all(o, abc_schema());
    FAIL() << "a 3 MB record was accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(path + ":2: a record longer than 1048576 bytes"), std::string::npos) << m.substr(0, 300);
    EXPECT_LT(m.size(), 1000u);
  }
  o.max_record_bytes = 4 << 20;  // the option raises it
  auto batches = read_all(o, abc_schema());
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].rows, 2);
  EXPECT_EQ(batches[0]["c"].data<std::string>()[1].size(), size_t{3} << 20);
}

TEST(Csv, NoRowsForeverNamesTheFiles) {
  std::string path = temp_file("only_header.csv", "a,b,c\n");
  DatasetOptions o;
  o.files = {path};
  o.header = true;
  o.epochs = -1;
  try {
    read_all(o, abc_schema());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'" + path + "') hold no rows"), std::string::npos) << e.what();
  }
}


// Column types read off a file's first rows: numbers are float32, anything else string.
TEST(Csv, InfersColumnTypesFromTheFirstRows) {
  std::string path = temp_file("infer.csv",
                               "fare_amount,pickup_datetime,pickuplon,note,key\n"
                               "4.5,2011-01-28 20:42:59 UTC,-73.98,,1\n"
                               "7,2011-01-29 08:00:00 UTC,-73.95,x,2\n");
  auto cols = infer_columns(path, true);
  ASSERT_EQ(cols.size(), 5u);
  EXPECT_EQ(cols[0].name, "fare_amount");
  EXPECT_EQ(cols[0].dtype, DType::Float32);
  EXPECT_EQ(cols[1].dtype, DType::String);
  EXPECT_EQ(cols[2].dtype, DType::Float32);
  EXPECT_EQ(cols[3].dtype, DType::String);
  EXPECT_EQ(cols[4].dtype, DType::Float32);
  auto unnamed = infer_columns(temp_file("infer2.csv", "1,a\n2,b\n"), false);
  ASSERT_EQ(unnamed.size(), 2u);
  EXPECT_EQ(unnamed[1].name, "column_2");
  EXPECT_EQ(unnamed[1].dtype, DType::String);
  EXPECT_TRUE(looks_like_header("fare_amount,pickuplon,key"));
  EXPECT_FALSE(looks_like_header("4.5,-73.98,1"));
  EXPECT_FALSE(looks_like_header("4.5,2011-01-28 20:42:59 UTC,1"));
}

// A timestamp column is checked where rows are decoded: file, line and column.
TEST(Csv, ABadTimestampNamesFileLineAndColumn) {
  std::string path = temp_file("times.csv", "1,2011-01-28 20:42:59 UTC\n2,2011-01-28T20:42:59+01:00\n3,1296247379\n4,noon\n");
  ColumnSpec t{"pickup_datetime", DType::String};
  t.timestamp = true;
  DatasetOptions o;
  o.files = {path};
  o.batch_size = 2;
  try {
    read_all(o, CsvSchema({{"fare", DType::Float32}, t}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("times.csv:4: column 2 (pickup_datetime): 'noon' is not a timestamp"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tg::data
