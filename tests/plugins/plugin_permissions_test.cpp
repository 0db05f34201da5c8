// The permission check before a plugin is opened (as ssh's StrictModes): a plugin file writable
// by group or others, or in a world-writable folder, is refused with the reason and never
// dlopen'ed, unless insecure plugins are allowed; a 0755 file in a 0755 folder loads.
#include "model/plugin_registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace cs::model {
namespace {
namespace fs = std::filesystem;

// A copy of the example plugin in its own folder, with the given modes for the file and the folder.
std::string examplePluginCopy(const std::string& name, mode_t fileMode, mode_t folderMode) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "plugin-permissions" / name;
    fs::create_directories(dir.parent_path());
    if (fs::exists(dir)) chmod(dir.c_str(), 0755);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path file = dir / "libexample-copy.so";
    fs::copy_file(fs::path(CS_EXAMPLE_PLUGIN), file);
    EXPECT_EQ(chmod(file.c_str(), fileMode), 0);
    EXPECT_EQ(chmod(dir.c_str(), folderMode), 0);
    return file.string();
}

TEST(PluginPermissions, AnOwnerOnlyWritablePluginLoads) {
    PluginRegistry registry;
    const PluginSpec spec = registry.loadPlugin(examplePluginCopy("safe", 0755, 0755));
    EXPECT_EQ(spec.state, PluginState::Ready) << spec.error;
}

TEST(PluginPermissions, GroupOrWorldWritableFilesAreRefusedBeforeLoading) {
    for (const mode_t mode : {mode_t(0775), mode_t(0757), mode_t(0666)}) {
        PluginRegistry registry;
        const PluginSpec spec = registry.loadPlugin(examplePluginCopy("writable-file", mode, 0755));
        EXPECT_EQ(spec.state, PluginState::Failed) << std::oct << mode;
        EXPECT_EQ(spec.failedAt, PluginState::Found);  // never dlopen'ed
        EXPECT_NE(spec.error.find("writable by group or others"), std::string::npos) << spec.error;
        EXPECT_NE(spec.error.find("--allow-insecure-plugins"), std::string::npos) << spec.error;
    }
}

TEST(PluginPermissions, AWorldWritableFolderIsRefusedEvenWithTheStickyBit) {
    for (const mode_t folderMode : {mode_t(0777), mode_t(01777)}) {
        PluginRegistry registry;
        const PluginSpec spec = registry.loadPlugin(examplePluginCopy("writable-folder", 0755, folderMode));
        EXPECT_EQ(spec.state, PluginState::Failed);
        EXPECT_NE(spec.error.find("world-writable folder"), std::string::npos) << spec.error;
    }
}

TEST(PluginPermissions, AllowingInsecurePluginsLoadsThemAnyway) {
    PluginRegistry registry;
    registry.setAllowInsecurePlugins(true);
    const PluginSpec spec = registry.loadPlugin(examplePluginCopy("allowed", 0777, 0755));
    EXPECT_EQ(spec.state, PluginState::Ready) << spec.error;
}

}  // namespace
}  // namespace cs::model
