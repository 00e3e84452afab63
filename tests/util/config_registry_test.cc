#include "merhan/util/config_registry.h"

#include <gtest/gtest.h>

#include <fstream>

#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

struct Toy {
  double lr = 5e-5;
  int epochs = 64;
  bool flag = true;
  std::string mode = "add";
  std::vector<int> seeds = {1};
  std::vector<std::string> names;
  void Register(ConfigRegistry* r) {
    r->Register("train.lr", &lr, "learning rate");
    r->Register("train.epochs", &epochs, "epochs");
    r->Register("model.flag", &flag, "a switch");
    r->RegisterChoice("model.fusion.combine", &mode, {"add", "concat"}, "combine");
    r->Register("run.seeds", &seeds, "seeds");
    r->Register("run.names", &names, "names");
  }
};

TEST(ConfigRegistry, AppliesNestedJsonAndPrintsIt) {
  Toy t;
  ConfigRegistry r;
  t.Register(&r);
  r.Apply(nlohmann::json::parse(R"({"train":{"lr":0.001,"epochs":3},"model":{"fusion":{"combine":"concat"}}})"),
          "x.json");
  EXPECT_DOUBLE_EQ(t.lr, 0.001);
  EXPECT_EQ(t.epochs, 3);
  EXPECT_EQ(t.mode, "concat");
  EXPECT_EQ(r.ToJson()["model"]["fusion"]["combine"], "concat");
}

TEST(ConfigRegistry, UnknownKeySuggestsNearest) {
  Toy t;
  ConfigRegistry r;
  t.Register(&r);
  try {
    r.ApplyOverride("train.lrr=1");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("train.lrr"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'train.lr'"), std::string::npos) << msg;
  }
  try {
    r.Apply(nlohmann::json::parse(R"({"train":{"epoch":3}})"), "cfg.json");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: train.epoch: unknown config key; did you mean 'train.epochs'?");
  }
  // The right leaf under a section far longer than any key's still finds its key;
  // a key nothing comes near gets the list instead.
  EXPECT_EQ(r.NearestKey(std::string(200, 's') + ".lr"), "train.lr");
  EXPECT_EQ(r.NearestKey(std::string(100000, 'x')), "");
  EXPECT_EQ(r.NearestKey("trian.lr"), "train.lr");
}

TEST(ConfigRegistry, TypeErrorsNameThePathAndExpectedType) {
  Toy t;
  ConfigRegistry r;
  t.Register(&r);
  try {
    r.Apply(nlohmann::json::parse(R"({"train":{"epochs":"ten"}})"), "cfg.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: train.epochs: expected integer, got string \"ten\"");
  }
  EXPECT_THROW(r.Apply(nlohmann::json::parse(R"({"train":{"epochs":2.5}})"), "c"), UsageError);
  EXPECT_THROW(r.ApplyOverride("model.fusion.combine=mean"), UsageError);
  EXPECT_THROW(r.ApplyOverride("model.flag=maybe"), UsageError);
  EXPECT_THROW(r.ApplyOverride("novalue"), UsageError);
}

TEST(ConfigRegistry, OverridesAreTypedBySchema) {
  Toy t;
  ConfigRegistry r;
  t.Register(&r);
  r.ApplyOverride("train.lr=1e-4");
  r.ApplyOverride("model.flag=false");
  r.ApplyOverride("run.seeds=[1,2,3]");
  r.ApplyOverride("run.names=a,b");
  r.ApplyOverride("model.fusion.combine=concat");
  EXPECT_DOUBLE_EQ(t.lr, 1e-4);
  EXPECT_FALSE(t.flag);
  EXPECT_EQ(t.seeds, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(t.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.mode, "concat");
}

TEST(ConfigRegistry, ExtendsChainIsBaseFirstAndCyclesFail) {
  testing::TempDir dir;
  std::ofstream(dir.File("base.json")) << R"({"train": {"lr": 0.1}})";
  std::ofstream(dir.File("child.json")) << R"({"extends": "base.json", "train": {"epochs": 2}})";
  auto chain = LoadConfigChain(dir.File("child.json"));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].first, dir.File("base.json"));
  std::ofstream(dir.File("a.json")) << R"({"extends": "b.json"})";
  std::ofstream(dir.File("b.json")) << R"({"extends": "a.json"})";
  EXPECT_THROW(LoadConfigChain(dir.File("a.json")), UsageError);
  std::ofstream(dir.File("bad.json")) << "{\n  \"train\": {,}\n}";
  try {
    LoadConfigChain(dir.File("bad.json"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json:2:"), std::string::npos) << e.what();
  }
}

// docs/fuzzing.md: numbers a field cannot hold are usage errors naming the key, not a
// wrapped value or undefined behaviour; a number no double holds is invalid JSON;
// "extends" must name a regular file.
TEST(ConfigRegistry, NumbersOutOfRangeAndNonFilesAreUsageErrors) {
  Toy t;
  ConfigRegistry r;
  t.Register(&r);
  for (const char* bad :
       {"train.epochs=1e300", "train.epochs=4294967297", "train.epochs=2.5", "run.seeds=[4294967297]"}) {
    try {
      r.ApplyOverride(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const UsageError& e) {
      const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  r.ApplyOverride("train.epochs=1e3");
  EXPECT_EQ(t.epochs, 1000);
  r.ApplyOverride("train.epochs=-2147483648");
  EXPECT_EQ(t.epochs, -2147483648LL);

  testing::TempDir dir;
  std::ofstream(dir.File("huge.json")) << R"({"train": {"lr": 1e400}})";
  try {
    LoadConfigChain(dir.File("huge.json"));
    ADD_FAILURE() << "1e400 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("huge.json: invalid JSON"), std::string::npos) << e.what();
  }
  std::ofstream(dir.File("device.json")) << R"({"extends": "/dev/zero"})";
  try {
    LoadConfigChain(dir.File("device.json"));
    ADD_FAILURE() << "/dev/zero accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero: not a regular file"), std::string::npos) << e.what();
  }
}

TEST(EditDistance, Basics) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("train.lrr", "train.lr"), 1u);
}

}  // namespace
}  // namespace merhan
