#pragma once
// ConceptStudio plugin SDK for C++ adapters: the one header a plugin's source includes
// (docs/plugins.md). It brings
//   - the C descriptor and CS_PLUGIN_ABI_VERSION (concept_studio_plugin.h),
//   - the adapter interfaces a plugin implements: cs::model::ModelAdapter, VisionModel,
//     SequentialRecommender, ModelInfo,
//   - cs::Error, the exception whose "<file>: <problem>" text the studio shows,
//   - the TorchScript functions the built-in conventions use (loadTorchScriptFile with clear
//     errors, requireMethod and the attribute readers, firstLine, validateVisionInfo).
// Includes LibTorch, so only plugin .cpp files include it. Link the CMake target cs_plugin_sdk.
// The ABI version covers the descriptor and the adapter interfaces.
#include "plugin_sdk/concept_studio_plugin.h"

#include "common/error.h"
#include "model/model_adapter.h"
#include "model/torchscript_support.h"
