#pragma once
// Inputs for the GUI tests that run real jobs through concept-studio-cli: a tiny split-convention
// CRAFT model exported by tests/core/craft/export_split_model.py (1 channel, 32 px, 2 classes
// "class0" and "class1") and an MNIST-format image set for it.
#include <QString>

namespace cs::testing {

// n 32×32 images with smooth, image-dependent patterns, labels i % 2. False when a file cannot be written.
bool writeTinyIdx(const QString& imagesPath, const QString& labelsPath, int n);

// Exports the tiny model to `path` with Debian's python3; empty on success, else what went wrong.
QString exportTinySplitModel(const QString& path);

}  // namespace cs::testing
