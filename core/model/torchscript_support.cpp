#include "model/torchscript_support.h"

#include "common/error.h"
#include "common/input_file.h"

#include <torch/version.h>

#include <cctype>
#include <filesystem>
#include <fstream>

namespace cs::model {
namespace fs = std::filesystem;

std::string firstLine(const std::string& text) {
    auto trimmed = [](std::string line) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        return line;
    };
    std::string line = trimmed(text.substr(0, text.find('\n')));
    // An error inside a TorchScript method reads "The following operation failed in the
    // TorchScript interpreter." then the TorchScript traceback; the cause is the last
    // "<Name>Error: ..." line, e.g. "RuntimeError: mat1 and mat2 shapes cannot be multiplied".
    if (line.rfind("The following operation failed in the TorchScript interpreter", 0) == 0) {
        size_t end = text.size();
        while (end > 0) {
            const size_t begin = text.rfind('\n', end - 1);
            const size_t from = begin == std::string::npos ? 0 : begin + 1;
            const std::string candidate = trimmed(text.substr(from, end - from));
            const size_t colon = candidate.find(": ");
            const std::string name = colon == std::string::npos ? std::string() : candidate.substr(0, colon);
            auto endsWith = [&](const char* suffix) {
                const size_t n = std::char_traits<char>::length(suffix);
                return name.size() > n && name.compare(name.size() - n, n, suffix) == 0;
            };
            if (!name.empty() && name.find(' ') == std::string::npos && (endsWith("Error") || endsWith("Exception")))
                return candidate;
            if (begin == std::string::npos) break;
            end = begin;
        }
    }
    return line;
}

namespace {

// "Unknown builtin op: aten::scaled_dot_product_attention." -> the operator, or "".
std::string unknownOperator(const std::string& text) {
    const std::string marker = "Unknown builtin op: ";
    const size_t at = text.find(marker);
    if (at == std::string::npos) return {};
    size_t end = at + marker.size();
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_' || text[end] == ':' ||
                                 text[end] == '.'))
        ++end;
    std::string op = text.substr(at + marker.size(), end - at - marker.size());
    while (!op.empty() && op.back() == '.') op.pop_back();
    return op;
}

// A file written by a newer PyTorch uses operators this LibTorch lacks; say which and what to do.
std::string unknownOperatorAdvice(const std::string& op) {
    std::string advice = "uses the operator " + op + ", which this LibTorch (" + TORCH_VERSION +
                         ") does not know: the file was written by a newer PyTorch. Export the model again with PyTorch " +
                         std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                         " (Debian 12's python3-torch)";
    if (op == "aten::scaled_dot_product_attention")
        advice += ", or, with PyTorch 2.x, keep attention off this operator when exporting: nn.MultiheadAttention "
                  "called with need_weights=True computes attention without it";
    return advice + " — see docs/models.md";
}

}  // namespace

torch::jit::Module loadTorchScriptFile(const std::string& path) {
    std::error_code ec;
    requireRegularFile(path, "a TorchScript file (.pt)");
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error(path, "cannot be read: " + ec.message());
    if (size == 0) throw Error(path, "is empty (0 bytes); expected a TorchScript archive saved with torch.jit.save");
    {
        std::ifstream in(path, std::ios::binary);
        char magic[4] = {};
        in.read(magic, 4);
        if (!in || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4)
            throw Error(path, "is not a TorchScript archive (no ZIP header); save the model with "
                              "torch.jit.script(model).save(path) — see docs/models.md");
    }
    try {
        return torch::jit::load(path, torch::kCPU);
    } catch (const std::exception& e) {
        const auto* c10Error = dynamic_cast<const c10::Error*>(&e);
        const std::string full = c10Error ? c10Error->what_without_backtrace() : e.what();
        if (std::string op = unknownOperator(full); !op.empty()) throw Error(path, unknownOperatorAdvice(op));
        const std::string detail = firstLine(full);
        if (detail.find("constants.pkl") != std::string::npos || detail.find("code/") != std::string::npos)
            throw Error(path, "is a torch.save() archive, not TorchScript; export the model with "
                              "torch.jit.script(model).save(path) — see docs/models.md (" + detail + ")");
        throw Error(path, "is corrupt or truncated: cannot be loaded as TorchScript (" + detail + ")");
    }
}

std::optional<c10::IValue> findAttribute(const torch::jit::Module& module, const std::string& name) {
    if (module.hasattr(name)) return module.attr(name);
    if (module.type()->hasConstant(name)) return module.type()->getConstant(name);
    return std::nullopt;
}

namespace {

std::string actualSignature(const c10::FunctionSchema& schema) {
    std::string out = schema.name() + "(";
    const auto& args = schema.arguments();
    for (size_t i = 1; i < args.size(); ++i)  // argument 0 is self
        out += (i > 1 ? ", " : "") + args[i].name() + ": " + args[i].type()->annotation_str();
    out += ") -> ";
    const auto& returns = schema.returns();
    if (returns.size() == 1) out += returns[0].type()->annotation_str();
    else {
        out += "(";
        for (size_t i = 0; i < returns.size(); ++i) out += (i ? ", " : "") + returns[i].type()->annotation_str();
        out += ")";
    }
    return out;
}

std::string typeOf(const c10::IValue& value) { return value.type()->annotation_str(); }

}  // namespace

void requireMethod(const torch::jit::Module& module, const std::string& path, const std::string& convention,
                   const std::string& name, const std::vector<std::pair<std::string, c10::TypePtr>>& args,
                   const c10::TypePtr& returns, const std::string& signature) {
    auto method = module.find_method(name);
    if (!method)
        throw Error(path, "method " + signature + " is missing (" + convention +
                              "; torch.jit.script keeps methods other than forward only when they are decorated "
                              "with @torch.jit.export, see docs/models.md)");
    const c10::FunctionSchema& schema = method->function().getSchema();
    const auto& actual = schema.arguments();
    bool fits = actual.size() >= args.size() + 1;
    for (size_t i = 0; fits && i < args.size(); ++i)
        fits = args[i].second->isSubtypeOf(*actual[i + 1].type());  // we must be able to pass the expected type
    for (size_t i = args.size() + 1; fits && i < actual.size(); ++i)
        fits = actual[i].default_value().has_value();  // extra arguments need defaults
    fits = fits && schema.returns().size() == 1 && schema.returns()[0].type()->isSubtypeOf(*returns);
    if (!fits)
        throw Error(path, "method " + name + " has the signature " + actualSignature(schema) + "; expected " + signature +
                              " (" + convention + ")");
}

std::vector<std::string> requireStringList(const torch::jit::Module& module, const std::string& path,
                                           const std::string& convention, const std::string& name) {
    auto value = findAttribute(module, name);
    if (!value) throw Error(path, "attribute " + name + ": List[str] is missing (" + convention + ", see docs/models.md)");
    std::vector<std::string> out;
    if (value->isList()) {
        for (const auto& element : value->toListRef()) {
            if (!element.isString()) break;
            out.push_back(element.toStringRef());
        }
        if (out.size() == value->toListRef().size()) return out;
    } else if (value->isTuple()) {
        for (const auto& element : value->toTupleRef().elements()) {
            if (!element.isString()) break;
            out.push_back(element.toStringRef());
        }
        if (out.size() == value->toTupleRef().elements().size()) return out;
    }
    throw Error(path, "attribute " + name + " has type " + typeOf(*value) + "; expected List[str]");
}

int64_t requireInt(const torch::jit::Module& module, const std::string& path, const std::string& convention,
                   const std::string& name) {
    auto value = findAttribute(module, name);
    if (!value) throw Error(path, "attribute " + name + ": int is missing (" + convention + ", see docs/models.md)");
    if (!value->isInt()) throw Error(path, "attribute " + name + " has type " + typeOf(*value) + "; expected int");
    return value->toInt();
}

std::vector<std::string> optionalStringList(const torch::jit::Module& module, const std::string& path,
                                            const std::string& name) {
    if (!findAttribute(module, name)) return {};
    return requireStringList(module, path, "", name);
}

namespace {
template <class T>
std::vector<T> numberList(const torch::jit::Module& module, const std::string& path, const std::string& name,
                          bool integral, const char* expected) {
    auto value = findAttribute(module, name);
    if (!value) return {};
    std::vector<c10::IValue> elements;
    if (value->isList()) elements = value->toListRef().vec();
    else if (value->isTuple()) elements = value->toTupleRef().elements().vec();
    else throw Error(path, "attribute " + name + " has type " + typeOf(*value) + "; expected " + expected);
    std::vector<T> out;
    for (const auto& element : elements) {
        if (element.isInt()) out.push_back(T(element.toInt()));
        else if (!integral && element.isDouble()) out.push_back(T(element.toDouble()));
        else throw Error(path, "attribute " + name + " has type " + typeOf(*value) + "; expected " + expected);
    }
    return out;
}
}  // namespace

std::vector<int64_t> optionalIntList(const torch::jit::Module& module, const std::string& path, const std::string& name) {
    return numberList<int64_t>(module, path, name, true, "List[int]");
}

std::vector<float> optionalFloatList(const torch::jit::Module& module, const std::string& path, const std::string& name) {
    return numberList<float>(module, path, name, false, "List[float]");
}

void validateVisionInfo(const ModelInfo& info) {
    if (!info.inputSize.empty()) {
        if (info.inputSize.size() != 3 || info.inputSize[0] <= 0 || info.inputSize[1] <= 0 || info.inputSize[2] <= 0)
            throw Error(info.path, "input_size must be [C, H, W] with positive entries");
        // The load-time probe allocates one input of this size: a hostile 3×100000×100000 would
        // ask for 120 GB. One image of at most 2^28 values (1 GiB as float32) is far beyond any
        // vision model the studio explains.
        const double values = double(info.inputSize[0]) * double(info.inputSize[1]) * double(info.inputSize[2]);
        if (values > double(int64_t{1} << 28))
            throw Error(info.path, "input_size " + std::to_string(info.inputSize[0]) + "x" + std::to_string(info.inputSize[1]) +
                                       "x" + std::to_string(info.inputSize[2]) +
                                       " is too large: one input image would need more than 1 GiB; at most 2^28 values are supported");
    }
    const size_t channels = info.inputSize.empty() ? 0 : size_t(info.inputSize[0]);
    auto checkPerChannel = [&](const std::vector<float>& values, const char* name) {
        if (values.empty() || values.size() == 1) return;
        if (channels != 0 && values.size() != channels)
            throw Error(info.path, std::string(name) + " has " + std::to_string(values.size()) + " entries but input_size has " +
                                       std::to_string(channels) + " channels");
    };
    checkPerChannel(info.mean, "mean");
    checkPerChannel(info.std, "std");
    if (!info.mean.empty() && !info.std.empty() && info.mean.size() != info.std.size() && info.mean.size() != 1 &&
        info.std.size() != 1)
        throw Error(info.path, "mean and std have different lengths");
    for (float s : info.std)
        if (!(s > 0.0f)) throw Error(info.path, "std has a non-positive entry; expected std > 0 per channel");
}

nlohmann::json parseAdapterOptions(const std::string& path, const std::string& optionsJson) {
    if (optionsJson.empty()) return nlohmann::json::object();
    try {
        nlohmann::json options = nlohmann::json::parse(optionsJson);
        if (!options.is_object()) throw Error(path, "adapter options must be a JSON object, got: " + optionsJson);
        return options;
    } catch (const nlohmann::json::exception& e) {
        throw Error(path, std::string("adapter options are not valid JSON: ") + e.what());
    }
}

}  // namespace cs::model
