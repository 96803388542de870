#include <gtest/gtest.h>
TEST(Init, Placeholder) {}
