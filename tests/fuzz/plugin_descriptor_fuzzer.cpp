// Plugin metadata: the descriptor a plugin's entry point returns (name, version, description,
// its adapters' names and kinds), built from the fuzzer's bytes and checked by the registry as
// if a plugin file had returned it. Strings may be missing (null) or empty; the adapter count
// may be negative or disagree with the list.
#include "model/plugin_registry.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

// Reads the fuzzer's bytes as a sequence of small fields.
class Fields {
public:
    Fields(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    // A string of up to 31 bytes, or null when its length byte says so.
    const char* text(std::vector<std::string>& keep) {
        const uint8_t length = byte();
        if (length == 0xFF) return nullptr;
        std::string value;
        for (uint8_t i = 0; i < (length & 31) && pos_ < size_; ++i) value += static_cast<char>(byte());
        keep.push_back(value);
        return keep.back().c_str();
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

int acceptsNothing(const char*) { return 0; }
void* createNothing(const char*, const char*, char*, size_t) { return nullptr; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Fields fields(data, size);
    std::vector<std::string> keep;
    keep.reserve(64);  // c_str() pointers must stay valid
    CsPluginDescriptor descriptor{};
    descriptor.abi_version = fields.byte() < 240 ? CS_PLUGIN_ABI_VERSION : fields.byte();
    descriptor.name = fields.text(keep);
    descriptor.version = fields.text(keep);
    descriptor.description = fields.text(keep);
    const int listed = fields.byte() % 8;
    std::vector<CsAdapterFactory> adapters(listed);
    for (auto& adapter : adapters) {
        adapter.name = fields.text(keep);
        adapter.kind = fields.text(keep);
        adapter.description = fields.text(keep);
        adapter.accepts = fields.byte() & 1 ? acceptsNothing : nullptr;
        adapter.create = fields.byte() & 1 ? createNothing : nullptr;
    }
    // The count a descriptor claims may lie; the registry must not read beyond the list it was given,
    // so a larger claim is only made with no list at all.
    const int claim = static_cast<int8_t>(fields.byte());
    descriptor.adapter_count = claim <= listed ? claim : listed;
    if (claim > listed && fields.byte() & 1) {
        descriptor.adapter_count = claim;
        descriptor.adapters = nullptr;
    } else {
        descriptor.adapters = adapters.empty() ? nullptr : adapters.data();
    }
    cs::model::PluginRegistry registry;
    registry.admitDescriptor("plugin.so", &descriptor);
    registry.admitDescriptor("again.so", &descriptor);  // a second plugin of the same name
    return 0;
}
