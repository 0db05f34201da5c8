#pragma once
// The engines this build links, as a RunLauncher for the studio window's New Run dialog.
#include "dialogs/new_run_dialog.h"

cs::ui::RunLauncher makeEngineLauncher();
cs::ui::AblationLauncher makeAblationLauncher();  // empty when this build has no RecSAE engine
