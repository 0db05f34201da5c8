#include "model/plugin_registry.h"

#include "cs/build_info.h"
#include "model/torchscript_models.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <filesystem>

namespace cs::model {
namespace fs = std::filesystem;

const char* toString(PluginState state) {
    switch (state) {
        case PluginState::Found: return "found";
        case PluginState::Loaded: return "loaded";
        case PluginState::Resolved: return "resolved";
        case PluginState::Ready: return "ready";
        case PluginState::Failed: return "failed";
    }
    return "unknown";
}

PluginRegistry& PluginRegistry::instance() {
    static PluginRegistry registry;
    return registry;
}

bool PluginRegistry::isBuiltInAdapterName(const std::string& name) {
    return name == "auto" || name == kSplitAdapterName || name == kRecommenderAdapterName;
}

std::vector<std::string> PluginRegistry::defaultSearchDirs() {
    std::vector<std::string> dirs{CS_INSTALL_PLUGIN_DIR};
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    // A relocated install (an extracted package, another prefix): <prefix>/bin/../lib/.../plugins.
    if (!ec) {
        const fs::path relocated = fs::weakly_canonical(exe.parent_path() / ".." / CS_INSTALL_PLUGIN_RELDIR, ec);
        // Only when it exists, so the list shows real places (a build tree has no such folder).
        if (!ec && fs::is_directory(relocated, ec) && relocated != fs::weakly_canonical(CS_INSTALL_PLUGIN_DIR, ec))
            dirs.push_back(relocated.string());
    }
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        dirs.push_back(std::string(xdg) + "/concept-studio/plugins");
    else if (const char* home = std::getenv("HOME"); home && *home)
        dirs.push_back(std::string(home) + "/.local/share/concept-studio/plugins");
    // A developer running the programs from the build tree gets the plugins built beside them.
    if (!exe.empty()) {
        fs::path build = fs::weakly_canonical(CS_BUILD_DIR, ec);
        auto [end, _] = std::mismatch(build.begin(), build.end(), exe.begin(), exe.end());
        if (!ec && end == build.end()) dirs.push_back((build / "plugins").string());
    }
    return dirs;
}

void PluginRegistry::setAllowInsecurePlugins(bool allow) {
    std::lock_guard<std::mutex> lock(mutex_);
    allowInsecure_ = allow;
}

std::string PluginRegistry::insecurePermissions(const std::string& canonicalPath) {
    struct stat info {};
    if (::stat(canonicalPath.c_str(), &info) != 0) return "";  // dlopen will say what is wrong
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(info.st_mode & 07777));
    if (info.st_mode & (S_IWGRP | S_IWOTH))
        return std::string("is writable by group or others (mode ") + mode + ")";
    // Its own folder: anyone who may write there may replace the file, sticky bit or not.
    const fs::path folder = fs::path(canonicalPath).parent_path();
    if (::stat(folder.c_str(), &info) == 0 && (info.st_mode & S_IWOTH))
        return "lies in a world-writable folder (" + folder.string() + ")";
    // Folders above: a world-writable one without the sticky bit lets others rename what it holds.
    for (fs::path above = folder.parent_path(); !above.empty(); above = above.parent_path()) {
        if (::stat(above.c_str(), &info) == 0 && (info.st_mode & S_IWOTH) && !(info.st_mode & S_ISVTX))
            return "lies under a world-writable folder without the sticky bit (" + above.string() + ")";
        if (above == above.root_path()) break;
    }
    return "";
}

void PluginRegistry::scan(const std::vector<std::string>& extraDirs, bool includeDefaults) {
    std::vector<std::string> dirs = includeDefaults ? defaultSearchDirs() : std::vector<std::string>{};
    dirs.insert(dirs.end(), extraDirs.begin(), extraDirs.end());
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.is_regular_file(ec) && entry.path().extension() == ".so") files.push_back(entry.path());
        std::sort(files.begin(), files.end());  // a stable, predictable order
        for (const auto& file : files) loadPlugin(file.string());
    }
}

PluginSpec PluginRegistry::loadPlugin(const std::string& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    const std::string key = ec ? path : canonical.string();
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& spec : plugins_)
        if (spec.path == key) return spec;
    plugins_.push_back(loadLocked(key));
    return plugins_.back();
}

PluginSpec PluginRegistry::loadLocked(const std::string& path) {
    PluginSpec spec;
    spec.path = path;
    auto fail = [&spec](const std::string& message) {
        spec.failedAt = spec.state;
        spec.state = PluginState::Failed;
        spec.error = message;
        return spec;
    };

    // Before dlopen: opening a library runs its constructors.
    if (const std::string why = insecurePermissions(path); !why.empty()) {
        if (!allowInsecure_) {
            std::fprintf(stderr, "warning: plugin %s %s; not loaded (fix with chmod go-w, or pass --allow-insecure-plugins)\n",
                         path.c_str(), why.c_str());
            return fail(why + "; refused: others could have replaced it (fix with chmod go-w, or pass --allow-insecure-plugins)");
        }
        std::fprintf(stderr, "warning: plugin %s %s; loaded because of --allow-insecure-plugins\n", path.c_str(), why.c_str());
    }

    // RTLD_LOCAL: two plugins may carry the same internal symbols without clashing.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        return fail(std::string("cannot be loaded as a shared library: ") + (why ? why : "unknown error"));
    }
    spec.state = PluginState::Loaded;

    dlerror();
    void* symbol = dlsym(handle, CS_PLUGIN_ENTRY_NAME);
    if (!symbol) {
        dlclose(handle);
        return fail(std::string("is not a ConceptStudio plugin: it has no entry point ") + CS_PLUGIN_ENTRY_NAME +
                    "() (see docs/plugins.md)");
    }
    auto entry = reinterpret_cast<CsPluginEntry>(symbol);
    const CsPluginDescriptor* descriptor = entry();
    if (!descriptor) {
        dlclose(handle);
        return fail(std::string(CS_PLUGIN_ENTRY_NAME) + "() returned no descriptor");
    }
    return admitLocked(std::move(spec), descriptor);
}

PluginSpec PluginRegistry::admitDescriptor(const std::string& path, const CsPluginDescriptor* descriptor) {
    std::lock_guard<std::mutex> lock(mutex_);
    PluginSpec spec;
    spec.path = path;
    spec.state = PluginState::Loaded;
    if (!descriptor) {
        spec.failedAt = spec.state;
        spec.state = PluginState::Failed;
        spec.error = "no descriptor";
    } else {
        spec = admitLocked(std::move(spec), descriptor);
    }
    plugins_.push_back(spec);
    return spec;
}

PluginSpec PluginRegistry::admitLocked(PluginSpec spec, const CsPluginDescriptor* descriptor) {
    const std::string path = spec.path;
    auto fail = [&spec](const std::string& message) {
        spec.failedAt = spec.state;
        spec.state = PluginState::Failed;
        spec.error = message;
        return spec;
    };
    // The ABI version is the first field in every ABI version, so it can be read before
    // anything else of the descriptor is trusted.
    spec.abiVersion = descriptor->abi_version;
    if (descriptor->abi_version != CS_PLUGIN_ABI_VERSION) {
        // Not unloaded: its static destructors might assume another studio; leaving it mapped is harmless.
        return fail("was built for plugin ABI version " + std::to_string(descriptor->abi_version) +
                    ", but this studio uses plugin ABI version " + std::to_string(CS_PLUGIN_ABI_VERSION) +
                    "; rebuild the plugin against this studio's concept_studio_plugin.h");
    }
    spec.state = PluginState::Resolved;
    spec.descriptor = descriptor;
    spec.name = descriptor->name ? descriptor->name : "";
    spec.version = descriptor->version ? descriptor->version : "";
    spec.description = descriptor->description ? descriptor->description : "";
    if (spec.name.empty()) return fail("descriptor has no plugin name");
    for (const auto& other : plugins_)
        if (other.state == PluginState::Ready && other.name == spec.name)
            return fail("a plugin named '" + spec.name + "' is already loaded from " + other.path);
    if (descriptor->adapter_count < 0 || (descriptor->adapter_count > 0 && !descriptor->adapters))
        return fail("descriptor has an invalid adapter list");

    std::vector<PluginAdapter> offered;
    for (int i = 0; i < descriptor->adapter_count; ++i) {
        const CsAdapterFactory& factory = descriptor->adapters[i];
        const std::string name = factory.name ? factory.name : "";
        const std::string kind = factory.kind ? factory.kind : "";
        if (name.empty() || !factory.create)
            return fail("adapter " + std::to_string(i) + " has no name or no create function");
        if (kind != "vision" && kind != "sequential-recommender")
            return fail("adapter '" + name + "' has kind '" + kind + "'; expected vision or sequential-recommender");
        if (isBuiltInAdapterName(name)) return fail("adapter '" + name + "' takes the name of a built-in adapter");
        for (const auto& existing : adapters_)
            if (existing.factory->name == name)
                return fail("adapter '" + name + "' is already offered by plugin " + existing.pluginName);
        offered.push_back(PluginAdapter{&factory, spec.name, path});
        spec.adapters.push_back(name);
    }
    adapters_.insert(adapters_.end(), offered.begin(), offered.end());
    spec.state = PluginState::Ready;
    return spec;
}

std::vector<PluginSpec> PluginRegistry::plugins() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return plugins_;
}

std::vector<PluginAdapter> PluginRegistry::adapters() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return adapters_;
}

std::optional<PluginAdapter> PluginRegistry::findAdapter(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& adapter : adapters_)
        if (adapter.factory->name == name) return adapter;
    return std::nullopt;
}

}  // namespace cs::model
