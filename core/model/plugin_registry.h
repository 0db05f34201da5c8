#pragma once
// Plugin discovery and loading, after Qt Creator's ExtensionSystem: every plugin file found gets
// a PluginSpec that moves through named states and keeps its own error, so a broken plugin is
// listed with the reason instead of stopping the studio.
//
// Search order: the install's plugin folder (CS_INSTALL_PLUGIN_DIR), the user's data folder
// ($XDG_DATA_HOME or ~/.local/share)/concept-studio/plugins, the build tree's plugins/ folder
// when the running program lives in the build tree, then each --plugin-dir. Never the folder of
// the model being loaded: a model downloaded with a .so beside it must not run code.
//
// Loaded plugins stay loaded for the life of the process (adapters they made may still be alive).
//
// Like ssh's StrictModes, a plugin file that others could have replaced is refused before it is
// opened: a file writable by group or others, or one in a world-writable folder, or under a
// world-writable folder without the sticky bit. The refusal is a Failed spec and a warning on
// stderr; --allow-insecure-plugins (setAllowInsecurePlugins) loads such files anyway.
#include "plugin_sdk/concept_studio_plugin.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cs::model {

enum class PluginState {
    Found,     // file found; nothing loaded yet
    Loaded,    // dlopen succeeded
    Resolved,  // entry point found and called; ABI version matches
    Ready,     // descriptor valid; its adapters are registered
    Failed,    // see error; failedAt says which step failed
};
const char* toString(PluginState state);

struct PluginSpec {
    std::string path;  // canonical path of the shared library
    std::string name, version, description;
    int abiVersion = 0;
    PluginState state = PluginState::Found;
    PluginState failedAt = PluginState::Found;  // the step that failed when state == Failed
    std::string error;                          // readable message when state == Failed
    std::vector<std::string> adapters;          // adapter names this plugin offers
    const CsPluginDescriptor* descriptor = nullptr;
};

// One adapter offered by a Ready plugin.
struct PluginAdapter {
    const CsAdapterFactory* factory = nullptr;
    std::string pluginName;
    std::string pluginPath;
};

class PluginRegistry {
public:
    // The process-wide registry used by loadModel.
    static PluginRegistry& instance();

    // Folders searched before any --plugin-dir, in order.
    static std::vector<std::string> defaultSearchDirs();

    // Loads every *.so in the default folders (when includeDefaults) and the extra folders.
    // A file already seen (same canonical path) is not loaded again. Missing folders are skipped.
    void scan(const std::vector<std::string>& extraDirs, bool includeDefaults = true);

    // Loads one plugin file; returns its spec (state Ready or Failed).
    PluginSpec loadPlugin(const std::string& path);

    std::vector<PluginSpec> plugins() const;
    std::vector<PluginAdapter> adapters() const;
    // The adapter with this name, if a Ready plugin offers it.
    std::optional<PluginAdapter> findAdapter(const std::string& name) const;

    // Adapter names that plugins may not take (the built-in conventions).
    static bool isBuiltInAdapterName(const std::string& name);

    // Checks a plugin's descriptor (ABI version, names, adapter list) and registers its adapters,
    // as loadPlugin does once the file's entry point returned it; the fuzzer feeds it directly.
    PluginSpec admitDescriptor(const std::string& path, const CsPluginDescriptor* descriptor);

    // Loads plugin files that fail the permission check (--allow-insecure-plugins).
    void setAllowInsecurePlugins(bool allow);

    // Why others could have replaced this file ("" when they could not): the permission check.
    static std::string insecurePermissions(const std::string& canonicalPath);

private:
    PluginSpec loadLocked(const std::string& canonicalPath);
    PluginSpec admitLocked(PluginSpec spec, const CsPluginDescriptor* descriptor);

    mutable std::mutex mutex_;
    std::vector<PluginSpec> plugins_;
    std::vector<PluginAdapter> adapters_;
    bool allowInsecure_ = false;
};

}  // namespace cs::model
