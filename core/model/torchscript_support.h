#pragma once
// Checks shared by the built-in conventions and the plugins' adapters (it is part of
// cs_model_abi, which plugins link): loading a TorchScript file with clear errors, and checking
// a module's methods and attributes against an expected signature. Includes LibTorch: only for
// .cpp files.
#include "model/model_adapter.h"

#include <torch/script.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cs::model {

// First line of an exception text (LibTorch messages carry long backtraces); for an error
// raised inside a TorchScript method, the traceback's final "<Name>Error: ..." line instead.
std::string firstLine(const std::string& text);

// torch::jit::load with errors that name the file and the problem: missing, empty, not a ZIP
// archive, a torch.save() archive rather than TorchScript, corrupt or truncated.
torch::jit::Module loadTorchScriptFile(const std::string& path);

// Attribute or constant (torch.jit.Final / __constants__) of the module.
std::optional<c10::IValue> findAttribute(const torch::jit::Module& module, const std::string& name);

// Throws cs::Error(path, "method <signature> is missing (<convention>)") or a message that shows
// the method's actual signature next to the expected one.
void requireMethod(const torch::jit::Module& module, const std::string& path, const std::string& convention,
                   const std::string& name, const std::vector<std::pair<std::string, c10::TypePtr>>& args,
                   const c10::TypePtr& returns, const std::string& signature);

std::vector<std::string> requireStringList(const torch::jit::Module& module, const std::string& path,
                                           const std::string& convention, const std::string& name);
int64_t requireInt(const torch::jit::Module& module, const std::string& path, const std::string& convention,
                   const std::string& name);
std::vector<std::string> optionalStringList(const torch::jit::Module& module, const std::string& path,
                                            const std::string& name);
std::vector<int64_t> optionalIntList(const torch::jit::Module& module, const std::string& path, const std::string& name);
std::vector<float> optionalFloatList(const torch::jit::Module& module, const std::string& path, const std::string& name);

// input_size is [C, H, W] with positive entries; mean/std have one entry per channel (or one
// for all) and std has no zero.
void validateVisionInfo(const ModelInfo& info);

// A loader's adapter options (LoadOptions::optionsJson): {} when empty, else a JSON object.
// Throws cs::Error naming the model file when the text is not a JSON object.
nlohmann::json parseAdapterOptions(const std::string& path, const std::string& optionsJson);

}  // namespace cs::model
