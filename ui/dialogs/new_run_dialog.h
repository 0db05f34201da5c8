#pragma once
// NewRunDialog: starts a CRAFT run (vision model + images) or a RecSAE run (sequential
// recommender + interaction log). Files come from file dialogs or drag and drop; every
// parameter shows its default and a tooltip saying what it does. The form reads and fills a
// RunSpec (app/run_launch.h), whose defaults are the engines'; the application turns the spec
// into an engine job (see RunLauncher). For a vision model the CRAFT tab lists its layers
// (LayerTree), so any TorchScript model is split where the user clicks, with its input size,
// normalisation and class names given here when the model does not declare them. Several classes,
// a RecSAE grid or "Run on: Slurm cluster" make the run a sweep (RunSpec::isSweep): one run per
// class or grid point, on this computer's cores or as a Slurm job array, merged into the project.
// Several dictionaries or importance estimators ticked make a method comparison: one run per pair,
// one activation pass, shown together in the Methods view.
#include "services/run_launch.h"

#include <QDialog>
#include <QList>
#include <QString>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLineEdit;
class QSpinBox;
class QLabel;
class QTabWidget;
class QDialogButtonBox;
class QTimer;

namespace cs::ui {

class LayerTree;

class NewRunDialog : public QDialog {
    Q_OBJECT
public:
    // Shows the engines' defaults; the run is stored in projectPath.
    explicit NewRunDialog(const QString& projectPath, QWidget* parent = nullptr);

    // The run the form describes, for the project given at construction.
    RunSpec spec() const;
    // Fills the form from `spec` (all but the project).
    void setSpec(const RunSpec& spec);
    // Empty when the run can be started; otherwise what is missing or wrong (naming the file).
    QString validate() const;
    void setKind(RunSpec::Kind kind);
    // What a drop of `path` would fill: "model", "images", "interactions", "item-meta" or "".
    QString acceptDroppedPath(const QString& path);

    QLineEdit* modelEdit() const { return model_; }
    QLineEdit* imagesEdit() const { return images_; }
    QLineEdit* classEdit() const { return class_; }
    QLineEdit* layerEdit() const { return layer_; }
    QLineEdit* interactionsEdit() const { return interactions_; }
    QComboBox* runOnBox() const { return runOn_; }
    // The methods to run (CRAFT tab): one dictionary and one estimator is a run, more is a comparison.
    QList<QCheckBox*> dictionaryChecks() const { return dictionaryChecks_; }
    QList<QCheckBox*> importanceChecks() const { return importanceChecks_; }
    // The model's layers (CRAFT tab), listed by the engine when a model file is chosen.
    LayerTree* layerTree() const { return layerTree_; }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void accept() override;

private:
    QFormLayout* buildModelRows();
    QWidget* buildCraftTab(const craft::CraftOptions& defaults);
    QWidget* buildRecSaeTab(const sae::SaeConfig& defaults);
    QFormLayout* buildSeedRow();
    QWidget* buildRunOnGroup();
    QWidget* buildMethodChecks(QList<QCheckBox*>& checks, const QStringList& names, const QStringList& titles, const QString& checked,
                               const QString& tip);
    void showExecutorFields(bool onSlurm);
    void buildButtons();
    QWidget* fileRow(QLineEdit* edit, const QString& caption, bool folderAllowed, const QString& filter);
    craft::CraftJobSpec craftSpec() const;
    sae::RecSaeOptions recSaeOptions() const;
    SweepSpec sweepSpec() const;
    void refreshState();
    void listLayers();

    QString projectPath_;
    QTabWidget* tabs_;
    QLineEdit* model_;
    QComboBox* adapter_;
    QLineEdit* images_;
    QLineEdit* class_;
    QLineEdit* layer_;
    LayerTree* layerTree_;
    QTimer* layersTimer_;
    QLineEdit* inputSize_;
    QLineEdit* mean_;
    QLineEdit* std_;
    QLineEdit* classNames_;
    QSpinBox* concepts_;
    QSpinBox* patchSize_;
    QSpinBox* sobol_;
    QLineEdit* recursive_;
    QList<QCheckBox*> dictionaryChecks_, importanceChecks_;  // each box's objectName is its method's CLI name
    QSpinBox* maxImages_;
    QLineEdit* interactions_;
    QComboBox* format_;
    QLineEdit* itemMeta_;
    QSpinBox* expansion_;
    QSpinBox* k_;
    QSpinBox* epochs_;
    QLineEdit* expansions_;
    QLineEdit* ks_;
    QLineEdit* seeds_;
    QSpinBox* seed_;
    QComboBox* runOn_;
    QSpinBox* parallel_;
    QWidget* slurmRows_;
    QLineEdit* partition_;
    QLineEdit* time_;
    QSpinBox* cpusPerTask_;
    QLineEdit* mem_;
    QLineEdit* account_;
    QLabel* sweepNote_;
    QLabel* problem_;
    QDialogButtonBox* buttons_;
};

}  // namespace cs::ui
