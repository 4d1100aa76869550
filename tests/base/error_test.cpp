#include "base/error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tg {
namespace {

TEST(ErrorTest, DefaultsToInvalidArgumentWithoutContext) {
  Error e("bad value");
  EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  EXPECT_STREQ(e.what(), "bad value");
  EXPECT_TRUE(e.context().node.empty());
  EXPECT_EQ(e.context().line, 0);
}

TEST(ErrorTest, CarriesCodeAndContext) {
  try {
    throw Error(ErrorCode::NotFound, "no such file", ErrorContext{.file = "a.csv", .line = 7});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_EQ(e.context().file, "a.csv");
    EXPECT_EQ(e.context().line, 7);
  }
}

TEST(ErrorTest, CheckMacrosThrowTheirCode) {
  try {
    TG_CHECK_CODE(1 + 1 == 3, DataLoss, "sum is ", 2);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::DataLoss);
    EXPECT_STREQ(e.what(), "sum is 2");
  }
  EXPECT_THROW(TG_CHECK(false, "x"), Error);
}

TEST(ErrorTest, TableMapsEveryCodeOnceToANameAStatusAndAPythonClass) {
  std::set<std::string> names, classes;
  for (int i = 0; i < kNumErrorCodes; ++i) {
    const ErrorCodeInfo& info = error_code_info(static_cast<ErrorCode>(i));
    EXPECT_EQ(static_cast<int>(info.code), i);
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_GE(info.http_status, 200);
    EXPECT_LT(info.http_status, 600);
    if (i > 0) {
      EXPECT_TRUE(classes.insert(info.python_class).second) << info.python_class;
    }
  }
  EXPECT_STREQ(error_code_name(ErrorCode::InvalidArgument), "INVALID_ARGUMENT");
  EXPECT_EQ(error_code_info(ErrorCode::NotFound).http_status, 404);
  EXPECT_STREQ(error_code_name(static_cast<ErrorCode>(99)), "UNKNOWN");
}

}  // namespace
}  // namespace tg
