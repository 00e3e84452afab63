// Loopback by default: a remote host needs --allow-remote; limits must be positive.
#include <gtest/gtest.h>

#include "merhan/serve/serve_options.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

TEST(ServeOptions, RemoteHostsNeedAllowRemote) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) EXPECT_TRUE(IsLoopbackHost(host)) << host;
  for (const char* host : {"0.0.0.0", "10.0.0.1", "::", "127.example.com", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  ServeOptions o;
  EXPECT_NO_THROW(o.Validate());
  o.host = "0.0.0.0";
  try {
    o.Validate();
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-remote"), std::string::npos) << e.what();
  }
  o.allow_remote = true;
  EXPECT_NO_THROW(o.Validate());
}

TEST(ServeOptions, BadValuesNameTheirFlag) {
  auto check = [](auto mutate, const std::string& flag) {
    ServeOptions o;
    mutate(o);
    try {
      o.Validate();
      ADD_FAILURE() << flag;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  };
  check([](ServeOptions& o) { o.port = 70000; }, "--port");
  check([](ServeOptions& o) { o.max_batch = 0; }, "--max-batch");
  check([](ServeOptions& o) { o.max_wait_ms = -1; }, "--max-wait-ms");
  check([](ServeOptions& o) { o.max_audio_seconds = 0; }, "--max-audio-seconds");
  check([](ServeOptions& o) { o.workers = -1; }, "--workers");
  EXPECT_NE(ServeOptions().ToString().find("\"max_batch\":8"), std::string::npos) << ServeOptions().ToString();
}

TEST(ServeOptions, WorkersShareTheCoresOnACpuAndAreOneOnAGpu) {
  ServeOptions o;  // threads 1, workers 0
  EXPECT_EQ(o.ResolvedWorkers(false, 8), 8);
  EXPECT_EQ(o.ResolvedWorkers(true, 8), 1);
  o.threads = 3;
  EXPECT_EQ(o.ResolvedWorkers(false, 8), 2);
  o.threads = 0;  // every core for one call
  EXPECT_EQ(o.ResolvedWorkers(false, 8), 1);
  o.threads = 16;
  EXPECT_EQ(o.ResolvedWorkers(false, 8), 1);
  o.workers = 3;
  EXPECT_EQ(o.ResolvedWorkers(true, 8), 3) << "an explicit count wins";
}

}  // namespace
}  // namespace merhan
