#include "dialogs/new_run_dialog.h"

#include "dialogs/layer_tree.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace cs::ui {

namespace {
// The value comes from the spec (setSpec), so the default is written once, in core.
QSpinBox* spin(QWidget* parent, int min, int max, const QString& tip) {
    auto* box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setToolTip(tip);
    return box;
}

std::string trimmedText(const QLineEdit* edit) { return edit->text().trimmed().toStdString(); }

std::vector<std::string> layerList(const QString& text) {
    std::vector<std::string> layers;
    for (const QString& layer : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!layer.trimmed().isEmpty()) layers.push_back(layer.trimmed().toStdString());
    return layers;
}

// "0.485, 0.456, 0.406" -> numbers; empty when the text is empty. `ok` is false when a part is not a number.
template <typename T>
std::vector<T> numberList(const QString& text, bool* ok) {
    std::vector<T> values;
    *ok = true;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool partOk = false;
        const double v = part.trimmed().toDouble(&partOk);
        *ok = *ok && partOk;
        values.push_back(static_cast<T>(v));
    }
    return values;
}

template <typename T>
QString numberText(const std::vector<T>& values) {
    QStringList parts;
    for (const T& v : values) parts << QString::number(double(v));
    return parts.join(QStringLiteral(","));
}

QString layerText(const std::vector<std::string>& layers) {
    QStringList names;
    for (const std::string& layer : layers) names << QString::fromStdString(layer);
    return names.join(QLatin1Char(','));
}

bool looksLikeInteractions(const QFileInfo& info) {
    const QString suffix = info.suffix().toLower();
    return suffix == QLatin1String("dat") || suffix == QLatin1String("inter") || suffix == QLatin1String("data") ||
           suffix == QLatin1String("csv") || info.fileName() == QLatin1String("u.data");
}
}  // namespace

NewRunDialog::NewRunDialog(const QString& projectPath, QWidget* parent) : QDialog(parent), projectPath_(projectPath) {
    setWindowTitle(tr("New Run"));
    setAcceptDrops(true);
    const RunSpec defaults;
    auto* layout = new QVBoxLayout(this);
    // The form scrolls when the screen is shorter than the dialog; the problem line and the
    // buttons stay in view.
    auto* form = new QWidget(this);
    auto* formLayout = new QVBoxLayout(form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addLayout(buildModelRows());
    tabs_ = new QTabWidget(form);
    tabs_->addTab(buildCraftTab(defaults.craft.options), tr("CRAFT (vision)"));
    tabs_->addTab(buildRecSaeTab(defaults.recsae.sae), tr("RecSAE (recommender)"));
    formLayout->addWidget(tabs_);
    formLayout->addLayout(buildSeedRow());
    formLayout->addWidget(buildRunOnGroup());
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(scroll, 1);
    problem_ = new QLabel(this);
    problem_->setWordWrap(true);
    problem_->setStyleSheet(QStringLiteral("color: #c33;"));
    layout->addWidget(problem_);
    buildButtons();
    layout->addWidget(buttons_);
    setSpec(defaults);
    for (QLineEdit* edit : {model_, images_, class_, layer_, inputSize_, mean_, std_, interactions_, itemMeta_, expansions_, ks_, seeds_})
        connect(edit, &QLineEdit::textChanged, this, &NewRunDialog::refreshState);
    connect(runOn_, &QComboBox::currentIndexChanged, this, &NewRunDialog::refreshState);
    connect(tabs_, &QTabWidget::currentChanged, this, &NewRunDialog::refreshState);
    connect(model_, &QLineEdit::textChanged, this, [this] { layersTimer_->start(); });
    connect(tabs_, &QTabWidget::currentChanged, this, [this] { layersTimer_->start(); });
    refreshState();
    // Tall enough for the whole form where the screen allows it, and wide enough for it beside
    // the scroll bar (it only scrolls up and down).
    const int available = screen() ? screen()->availableGeometry().height() - 60 : 820;
    const int width = form->minimumSizeHint().width() + scroll->verticalScrollBar()->sizeHint().width() + 2 * layout->contentsMargins().left();
    resize(std::max(660, width), std::min(form->sizeHint().height() + 90, available));
}

QFormLayout* NewRunDialog::buildModelRows() {
    auto* form = new QFormLayout;
    model_ = new QLineEdit(this);
    model_->setObjectName(QStringLiteral("modelPath"));
    model_->setToolTip(tr("Any TorchScript model (.pt, scripted or traced): its layers are listed below to split it at.\n"
                          "You can also drop the file onto this dialog."));
    adapter_ = new QComboBox(this);
    adapter_->addItems({QStringLiteral("auto"), QStringLiteral("torchscript-graph"), QStringLiteral("split-module"),
                        QStringLiteral("torchvision"), QStringLiteral("sequential-recommender")});
    adapter_->setEditable(true);
    adapter_->setToolTip(tr("How the studio reads the model: 'auto' tries the built-in conventions, then the plugins, then "
                            "splits the model's own graph at the layer ('torchscript-graph', any TorchScript model)"));
    form->addRow(tr("Model"), fileRow(model_, tr("Choose a model"), false, tr("TorchScript models (*.pt *.pth *.ptl);;All files (*)")));
    form->addRow(tr("Adapter"), adapter_);
    return form;
}

QWidget* NewRunDialog::buildCraftTab(const craft::CraftOptions& defaults) {
    auto* craft = new QWidget(tabs_);
    auto* form = new QFormLayout(craft);
    images_ = new QLineEdit(craft);
    images_->setObjectName(QStringLiteral("imagesPath"));
    images_->setToolTip(tr("A folder of images (flat, or one sub-folder per class) or an IDX file (MNIST format, gzipped or not)"));
    class_ = new QLineEdit(craft);
    class_->setPlaceholderText(tr("e.g. Sneaker or 7; several make a sweep: 0-9, Sneaker,Bag, @classes.txt, all"));
    class_->setToolTip(tr("The class to explain, by name or index; CRAFT fits one concept bank per class.\n"
                          "Several classes (0-9, Sneaker,Bag, @file with one per line, or all) run as a sweep: one run each."));
    layer_ = new QLineEdit(craft);
    layer_->setObjectName(QStringLiteral("layer"));
    layer_->setPlaceholderText(tr("a layer of the model, e.g. layer4 or encoder.layers.encoder_layer_9"));
    layer_->setToolTip(tr("Where the model is split into g (input → activations) and h (activations → logits): "
                          "pick it in the layer list below, or type its dotted path"));
    layerTree_ = new LayerTree(craft);
    layerTree_->setMinimumHeight(170);
    layersTimer_ = new QTimer(this);
    layersTimer_->setSingleShot(true);
    layersTimer_->setInterval(400);  // the model path settles (typing, a drop) before the engine probes it
    connect(layersTimer_, &QTimer::timeout, this, &NewRunDialog::listLayers);
    connect(layerTree_, &LayerTree::layerChosen, layer_, &QLineEdit::setText);
    connect(layerTree_, &LayerTree::finished, this, [this] { layerTree_->selectLayer(layer_->text().trimmed()); });
    connect(layer_, &QLineEdit::textChanged, layerTree_, [this](const QString& text) { layerTree_->selectLayer(text.trimmed()); });
    inputSize_ = new QLineEdit(craft);
    inputSize_->setObjectName(QStringLiteral("inputSize"));
    inputSize_->setPlaceholderText(tr("the model's own, else 3,224,224"));
    inputSize_->setToolTip(tr("Input size C,H,W the images are resized to (and the layers are probed with)"));
    connect(inputSize_, &QLineEdit::editingFinished, this, [this] { layersTimer_->start(); });
    mean_ = new QLineEdit(craft);
    mean_->setObjectName(QStringLiteral("inputMean"));
    mean_->setPlaceholderText(tr("the model's own, else ImageNet's"));
    mean_->setToolTip(tr("Per-channel mean subtracted from the images in [0,1], e.g. 0.485,0.456,0.406"));
    std_ = new QLineEdit(craft);
    std_->setObjectName(QStringLiteral("inputStd"));
    std_->setPlaceholderText(tr("the model's own, else ImageNet's"));
    std_->setToolTip(tr("Per-channel standard deviation the images are divided by, e.g. 0.229,0.224,0.225"));
    classNames_ = new QLineEdit(craft);
    classNames_->setObjectName(QStringLiteral("classNames"));
    classNames_->setPlaceholderText(tr("the model's own; a,b,c or @file.txt (one per line)"));
    classNames_->setToolTip(tr("Names of the model's classes, in the order of its outputs"));
    concepts_ = spin(craft, 2, 64, tr("Number of concepts r of the NMF (default %1; the reference code uses 20)").arg(defaults.concepts));
    patchSize_ = spin(craft, 8, 512, tr("Side of the square crops in input pixels (default %1, stride 0.8 × size)").arg(defaults.patchSize));
    sobol_ = spin(craft, 8, 1024,
                  tr("Sobol design points per image: cost is designs × (r + 2) evaluations of h (default %1)").arg(defaults.sobolDesigns));
    recursive_ = new QLineEdit(craft);
    recursive_->setPlaceholderText(tr("optional, e.g. layer3,layer2"));
    recursive_->setToolTip(tr("Earlier probe points for recursive CRAFT: each concept is decomposed into sub-concepts there"));
    maxImages_ = spin(craft, 0, 100000, tr("At most this many images of the class (0 = all)"));
    QWidget* dictionaries = buildMethodChecks(
        dictionaryChecks_, {"nmf", "semi-nmf", "pca", "kmeans", "sae", "archetypal"},
        {tr("NMF"), tr("Semi-NMF"), tr("PCA"), tr("K-Means"), tr("TopK SAE"), tr("Archetypal")}, QString::fromLatin1(craft::toString(defaults.dictionary)),
        tr("How concepts are extracted from the crops' activations. NMF is CRAFT's own; Semi-NMF, PCA, K-Means, a sparse "
           "autoencoder and archetypal (convex) NMF are the dictionaries Holistic CRAFT compares it with. Tick several to compare them."));
    QWidget* importances = buildMethodChecks(
        importanceChecks_, {"sobol", "gradient-input", "integrated-gradients", "rise", "occlusion"},
        {tr("Sobol"), tr("Gradient × Input"), tr("Integrated Gradients"), tr("RISE"), tr("Occlusion")},
        QString::fromLatin1(craft::toString(defaults.importance)),
        tr("How each concept's importance for the class is estimated. Sobol total indices are CRAFT's own. Tick several to "
           "compare them (with each ticked dictionary)."));
    form->addRow(tr("Images"), fileRow(images_, tr("Choose images"), true, tr("IDX files (*.idx *-ubyte *.gz);;All files (*)")));
    form->addRow(tr("Class"), class_);
    form->addRow(tr("Layer"), layer_);
    form->addRow(tr("Layers"), layerTree_);
    form->addRow(tr("Input size"), inputSize_);
    form->addRow(tr("Mean"), mean_);
    form->addRow(tr("Std"), std_);
    form->addRow(tr("Class names"), classNames_);
    form->addRow(tr("Concepts"), concepts_);
    form->addRow(tr("Patch size"), patchSize_);
    form->addRow(tr("Sobol designs"), sobol_);
    form->addRow(tr("Recursive layers"), recursive_);
    form->addRow(tr("Max images"), maxImages_);
    form->addRow(tr("Dictionaries"), dictionaries);
    form->addRow(tr("Importance"), importances);
    return craft;
}

// A grid of check boxes, three to a row, one per method; `checked` starts ticked.
QWidget* NewRunDialog::buildMethodChecks(QList<QCheckBox*>& checks, const QStringList& names, const QStringList& titles,
                                         const QString& checked, const QString& tip) {
    auto* box = new QWidget(this);
    auto* grid = new QGridLayout(box);
    grid->setContentsMargins(0, 0, 0, 0);
    for (int i = 0; i < names.size(); ++i) {
        auto* check = new QCheckBox(titles[i], box);
        check->setObjectName(names[i]);
        check->setChecked(names[i] == checked);
        check->setToolTip(tip);
        connect(check, &QCheckBox::toggled, this, &NewRunDialog::refreshState);
        grid->addWidget(check, i / 3, i % 3);
        checks.append(check);
    }
    return box;
}

QWidget* NewRunDialog::buildRecSaeTab(const sae::SaeConfig& defaults) {
    auto* sae = new QWidget(tabs_);
    auto* form = new QFormLayout(sae);
    interactions_ = new QLineEdit(sae);
    interactions_->setObjectName(QStringLiteral("interactionsPath"));
    interactions_->setToolTip(tr("The interaction log: sasrec lines, a RecBole/ReChorus .inter file, or MovieLens ratings"));
    format_ = new QComboBox(sae);
    format_->addItems({QStringLiteral("auto"), QStringLiteral("sasrec"), QStringLiteral("rechorus"), QStringLiteral("movielens")});
    format_->setToolTip(tr("Format of the interaction log; 'auto' recognises it from its content"));
    itemMeta_ = new QLineEdit(sae);
    itemMeta_->setObjectName(QStringLiteral("itemMetaPath"));
    itemMeta_->setToolTip(tr("Optional tab-separated item metadata (item_id, title, genres|categories|tags) that names the latents"));
    expansion_ = spin(sae, 1, 256, tr("Latents = state size × expansion (default %1)").arg(defaults.expansion));
    expansion_->setObjectName(QStringLiteral("expansion"));
    k_ = spin(sae, 1, 1024, tr("Active latents per state: TopK sparsity (default %1)").arg(defaults.k));
    k_->setObjectName(QStringLiteral("k"));
    epochs_ = spin(sae, 1, 1000, tr("Passes over the recommender's states while training the SAE"));
    epochs_->setObjectName(QStringLiteral("saeEpochs"));
    form->addRow(tr("Interactions"), fileRow(interactions_, tr("Choose an interaction log"), false, tr("All files (*)")));
    form->addRow(tr("Format"), format_);
    form->addRow(tr("Item metadata"), fileRow(itemMeta_, tr("Choose item metadata"), false, tr("Tab-separated (*.tsv *.txt *.csv);;All files (*)")));
    form->addRow(tr("Expansion"), expansion_);
    form->addRow(tr("k"), k_);
    form->addRow(tr("Epochs"), epochs_);
    expansions_ = new QLineEdit(sae);
    expansions_->setObjectName(QStringLiteral("gridExpansions"));
    expansions_->setPlaceholderText(tr("expansions, e.g. 4,8"));
    ks_ = new QLineEdit(sae);
    ks_->setObjectName(QStringLiteral("gridK"));
    ks_->setPlaceholderText(tr("k, e.g. 16,32"));
    seeds_ = new QLineEdit(sae);
    seeds_->setObjectName(QStringLiteral("gridSeeds"));
    seeds_->setPlaceholderText(tr("seeds, e.g. 1,2"));
    auto* grid = new QWidget(sae);
    auto* gridLayout = new QHBoxLayout(grid);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    for (QLineEdit* edit : {expansions_, ks_, seeds_}) {
        edit->setToolTip(tr("A sweep over a grid: one RecSAE run per combination of expansion, k and seed.\n"
                            "Empty lists keep the single value above."));
        gridLayout->addWidget(edit);
    }
    form->addRow(tr("Sweep over"), grid);
    return sae;
}

QFormLayout* NewRunDialog::buildSeedRow() {
    auto* form = new QFormLayout;
    seed_ = spin(this, 0, 1 << 30, tr("Random seed: the same seed and inputs give the same run"));
    form->addRow(tr("Seed"), seed_);
    return form;
}

QWidget* NewRunDialog::buildRunOnGroup() {
    auto* group = new QGroupBox(tr("Run on"), this);
    auto* form = new QFormLayout(group);
    runOn_ = new QComboBox(group);
    runOn_->setObjectName(QStringLiteral("runOn"));
    runOn_->addItems({tr("This computer"), tr("Slurm cluster")});
    runOn_->setToolTip(tr("Slurm: the runs are submitted as one job array with sbatch (this computer must be a submit host, "
                          "and the project's folder on a filesystem the nodes share); they are merged into the project "
                          "when the last one finishes"));
    parallel_ = spin(group, 0, 4096, tr("How many runs of a sweep go at once: here the cores are shared among them; "
                                        "on Slurm the job array's limit (no limit: as many as the cluster gives)"));
    parallel_->setObjectName(QStringLiteral("parallelRuns"));
    parallel_->setSpecialValueText(tr("no limit"));
    slurmRows_ = new QWidget(group);
    auto* slurm = new QGridLayout(slurmRows_);
    slurm->setContentsMargins(0, 0, 0, 0);
    partition_ = new QLineEdit(slurmRows_);
    partition_->setObjectName(QStringLiteral("slurmPartition"));
    partition_->setPlaceholderText(tr("default"));
    partition_->setToolTip(tr("Slurm partition; empty: the cluster's default"));
    time_ = new QLineEdit(slurmRows_);
    time_->setObjectName(QStringLiteral("slurmTime"));
    time_->setPlaceholderText(tr("e.g. 02:00:00"));
    time_->setToolTip(tr("Time limit of each run (Slurm's --time); empty: the partition's default"));
    cpusPerTask_ = spin(slurmRows_, 0, 4096, tr("CPUs per run (also its LibTorch threads)"));
    cpusPerTask_->setObjectName(QStringLiteral("slurmCpus"));
    cpusPerTask_->setSpecialValueText(tr("default"));
    mem_ = new QLineEdit(slurmRows_);
    mem_->setObjectName(QStringLiteral("slurmMem"));
    mem_->setPlaceholderText(tr("e.g. 8G"));
    mem_->setToolTip(tr("Memory of each run (Slurm's --mem); empty: the cluster's default"));
    account_ = new QLineEdit(slurmRows_);
    account_->setPlaceholderText(tr("optional"));
    // Two fields a row: the group stays short.
    const QList<QPair<QString, QWidget*>> fields{{tr("Partition"), partition_},   {tr("Time limit"), time_},
                                                 {tr("CPUs per run"), cpusPerTask_}, {tr("Memory per run"), mem_},
                                                 {tr("Account"), account_}};
    for (int i = 0; i < fields.size(); ++i) {
        slurm->addWidget(new QLabel(fields[i].first, slurmRows_), i / 2, (i % 2) * 2);
        slurm->addWidget(fields[i].second, i / 2, (i % 2) * 2 + 1);
    }
    sweepNote_ = new QLabel(group);
    sweepNote_->setObjectName(QStringLiteral("sweepNote"));
    sweepNote_->setWordWrap(true);
    auto* where = new QWidget(group);
    auto* whereLayout = new QHBoxLayout(where);
    whereLayout->setContentsMargins(0, 0, 0, 0);
    whereLayout->addWidget(runOn_, 1);
    whereLayout->addWidget(new QLabel(tr("Runs at once"), where));
    whereLayout->addWidget(parallel_);
    form->addRow(tr("Where"), where);
    form->addRow(slurmRows_);
    form->addRow(sweepNote_);
    connect(runOn_, &QComboBox::currentIndexChanged, this, [this](int index) {
        const bool onSlurm = index == 1;
        showExecutorFields(onSlurm);
        if (onSlurm && parallel_->value() == 1) parallel_->setValue(0);  // on Slurm the default is no limit
    });
    return group;
}

void NewRunDialog::showExecutorFields(bool onSlurm) {
    slurmRows_->setVisible(onSlurm);
    parallel_->setMinimum(onSlurm ? 0 : 1);  // here at least one run goes at once
}

void NewRunDialog::buildButtons() {
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    connect(buttons_, &QDialogButtonBox::accepted, this, &NewRunDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &NewRunDialog::reject);
}

QWidget* NewRunDialog::fileRow(QLineEdit* edit, const QString& caption, bool folderAllowed, const QString& filter) {
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* file = new QPushButton(tr("File…"), row);
    layout->addWidget(file);
    connect(file, &QPushButton::clicked, this, [this, edit, caption, filter] {
        const QString path = QFileDialog::getOpenFileName(this, caption, edit->text(), filter);
        if (!path.isEmpty()) edit->setText(path);
    });
    if (folderAllowed) {
        auto* folder = new QPushButton(tr("Folder…"), row);
        layout->addWidget(folder);
        connect(folder, &QPushButton::clicked, this, [this, edit, caption] {
            const QString path = QFileDialog::getExistingDirectory(this, caption, edit->text());
            if (!path.isEmpty()) edit->setText(path);
        });
    }
    return row;
}

// Lists the layers of the chosen model when it is a file and the CRAFT tab is the current one.
void NewRunDialog::listLayers() {
    const QString model = model_->text().trimmed();
    if (tabs_->currentIndex() != 0 || !QFileInfo(model).isFile()) {
        layerTree_->clear();
        return;
    }
    layerTree_->load(model, inputSize_->text());
}

void NewRunDialog::setKind(RunSpec::Kind kind) { tabs_->setCurrentIndex(kind == RunSpec::Kind::Craft ? 0 : 1); }

void NewRunDialog::setSpec(const RunSpec& spec) {
    setKind(spec.kind);
    const craft::CraftJobSpec& craft = spec.craft;
    const sae::RecSaeOptions& recsae = spec.recsae;
    model_->setText(QString::fromStdString(spec.kind == RunSpec::Kind::Craft ? craft.modelPath : recsae.modelPath));
    adapter_->setCurrentText(QString::fromStdString(craft.adapter));
    images_->setText(QString::fromStdString(craft.imagesPath));
    class_->setText(QString::fromStdString(craft.classSpec));
    layer_->setText(QString::fromStdString(craft.options.layer));
    inputSize_->setText(numberText(craft.inputSize));
    mean_->setText(numberText(craft.mean));
    std_->setText(numberText(craft.std));
    classNames_->setText(QString::fromStdString(craft.classNames));
    concepts_->setValue(int(craft.options.concepts));
    patchSize_->setValue(int(craft.options.patchSize));
    sobol_->setValue(int(craft.options.sobolDesigns));
    recursive_->setText(layerText(craft.options.recursiveLayers));
    maxImages_->setValue(int(craft.maxImages));
    for (QCheckBox* check : dictionaryChecks_) check->setChecked(false);
    for (QCheckBox* check : importanceChecks_) check->setChecked(false);
    for (const auto& [dictionary, importance] : craft::methodPairs(craft)) {
        for (QCheckBox* check : dictionaryChecks_)
            if (check->objectName() == QLatin1String(craft::toString(dictionary))) check->setChecked(true);
        for (QCheckBox* check : importanceChecks_)
            if (check->objectName() == QLatin1String(craft::toString(importance))) check->setChecked(true);
    }
    interactions_->setText(QString::fromStdString(recsae.interactionsPath));
    format_->setCurrentText(QString::fromStdString(recsae.format));
    itemMeta_->setText(QString::fromStdString(recsae.itemMetaPath));
    expansion_->setValue(int(recsae.sae.expansion));
    k_->setValue(int(recsae.sae.k));
    epochs_->setValue(recsae.sae.epochs);
    seed_->setValue(int(spec.kind == RunSpec::Kind::Craft ? craft.options.seed : recsae.sae.seed));
    const SweepSpec& sweep = spec.sweep;
    const bool onSlurm = sweep.executor == SweepSpec::Executor::Slurm;
    runOn_->setCurrentIndex(onSlurm ? 1 : 0);
    showExecutorFields(onSlurm);  // also when the index did not change
    parallel_->setValue(sweep.parallel);
    expansions_->setText(sweep.expansions);
    ks_->setText(sweep.ks);
    seeds_->setText(sweep.seeds);
    partition_->setText(sweep.partition);
    time_->setText(sweep.time);
    cpusPerTask_->setValue(sweep.cpusPerTask);
    mem_->setText(sweep.mem);
    account_->setText(sweep.account);
}

RunSpec NewRunDialog::spec() const {
    RunSpec spec;
    spec.kind = tabs_->currentIndex() == 0 ? RunSpec::Kind::Craft : RunSpec::Kind::RecSae;
    spec.craft = craftSpec();
    spec.recsae = recSaeOptions();
    spec.sweep = sweepSpec();
    return spec;
}

SweepSpec NewRunDialog::sweepSpec() const {
    SweepSpec sweep;
    sweep.executor = runOn_->currentIndex() == 1 ? SweepSpec::Executor::Slurm : SweepSpec::Executor::Local;
    sweep.parallel = parallel_->value();
    sweep.expansions = expansions_->text().trimmed();
    sweep.ks = ks_->text().trimmed();
    sweep.seeds = seeds_->text().trimmed();
    sweep.partition = partition_->text().trimmed();
    sweep.time = time_->text().trimmed();
    sweep.cpusPerTask = cpusPerTask_->value();
    sweep.mem = mem_->text().trimmed();
    sweep.account = account_->text().trimmed();
    return sweep;
}

craft::CraftJobSpec NewRunDialog::craftSpec() const {
    craft::CraftJobSpec spec;
    spec.projectPath = projectPath_.toStdString();
    spec.modelPath = trimmedText(model_);
    // An emptied adapter box means the default, not an adapter named "".
    if (!adapter_->currentText().trimmed().isEmpty()) spec.adapter = adapter_->currentText().trimmed().toStdString();
    spec.imagesPath = trimmedText(images_);
    spec.classSpec = trimmedText(class_);
    spec.maxImages = maxImages_->value();
    spec.options.layer = trimmedText(layer_);
    bool ok = true;
    spec.inputSize = numberList<int64_t>(inputSize_->text(), &ok);
    spec.mean = numberList<float>(mean_->text(), &ok);
    spec.std = numberList<float>(std_->text(), &ok);
    spec.classNames = trimmedText(classNames_);
    spec.options.concepts = concepts_->value();
    spec.options.patchSize = patchSize_->value();
    spec.options.sobolDesigns = sobol_->value();
    spec.options.recursiveLayers = layerList(recursive_->text());
    spec.options.seed = uint64_t(seed_->value());
    for (QCheckBox* check : dictionaryChecks_)
        if (check->isChecked()) spec.dictionaries.push_back(craft::conceptDictionaryMethodFromString(check->objectName().toStdString()));
    for (QCheckBox* check : importanceChecks_)
        if (check->isChecked()) spec.importances.push_back(craft::conceptImportanceMethodFromString(check->objectName().toStdString()));
    if (!spec.dictionaries.empty()) spec.options.dictionary = spec.dictionaries.front();
    if (!spec.importances.empty()) spec.options.importance = spec.importances.front();
    // NMF alone is the default, which a signed layer turns into Semi-NMF (as on the command line);
    // another dictionary ticked is the user's choice.
    spec.options.dictionaryGiven = spec.options.dictionary != craft::ConceptDictionaryMethod::Nmf || spec.dictionaries.size() > 1;
    // One of each is a single run, described by the options alone (craft::CraftJobSpec).
    if (spec.dictionaries.size() <= 1 && spec.importances.size() <= 1) {
        spec.dictionaries.clear();
        spec.importances.clear();
    }
    return spec;
}

sae::RecSaeOptions NewRunDialog::recSaeOptions() const {
    // The adapter box is read for CRAFT runs only: RecSAE runs load the recommender with 'auto'.
    sae::RecSaeOptions options;
    options.projectPath = projectPath_.toStdString();
    options.modelPath = trimmedText(model_);
    options.interactionsPath = trimmedText(interactions_);
    options.format = format_->currentText().toStdString();
    options.itemMetaPath = trimmedText(itemMeta_);
    options.sae.expansion = expansion_->value();
    options.sae.k = k_->value();
    options.sae.epochs = epochs_->value();
    options.sae.seed = uint64_t(seed_->value());
    return options;
}

QString NewRunDialog::validate() const {
    auto missingFile = [](const QString& path, const QString& what) -> QString {
        if (path.isEmpty()) return tr("Choose %1.").arg(what);
        if (!QFileInfo::exists(path)) return tr("%1: no such file or folder (%2)").arg(path, what);
        return {};
    };
    const QString model = model_->text().trimmed();
    if (QString p = missingFile(model, tr("a model")); !p.isEmpty()) return p;
    if (QFileInfo(model).isDir()) return tr("%1: is a folder, not a model file").arg(model);
    if (tabs_->currentIndex() == 0) {
        if (QString p = missingFile(images_->text().trimmed(), tr("the images")); !p.isEmpty()) return p;
        if (class_->text().trimmed().isEmpty()) return tr("Name the class to explain.");
        if (layer_->text().trimmed().isEmpty()) return tr("Name the layer (probe point) to split the model at.");
        auto anyTicked = [](const QList<QCheckBox*>& checks) {
            return std::any_of(checks.begin(), checks.end(), [](const QCheckBox* c) { return c->isChecked(); });
        };
        if (!anyTicked(dictionaryChecks_)) return tr("Tick at least one dictionary (NMF is CRAFT's own).");
        if (!anyTicked(importanceChecks_)) return tr("Tick at least one importance estimator (Sobol is CRAFT's own).");
        bool ok = true;
        const auto size = numberList<int64_t>(inputSize_->text(), &ok);
        if (!ok || !(size.empty() || size.size() == 3)) return tr("Input size is three numbers C,H,W, e.g. 3,224,224.");
        for (QLineEdit* edit : {mean_, std_}) {
            const auto values = numberList<float>(edit->text(), &ok);
            if (!ok || !(values.empty() || values.size() == 1 || values.size() == 3))
                return tr("Mean and std are one number per channel, e.g. 0.485,0.456,0.406.");
        }
    } else {
        if (QString p = missingFile(interactions_->text().trimmed(), tr("an interaction log")); !p.isEmpty()) return p;
        const QString itemMeta = itemMeta_->text().trimmed();
        if (!itemMeta.isEmpty() && !QFileInfo::exists(itemMeta)) return tr("%1: no such file (item metadata)").arg(itemMeta);
        for (QLineEdit* edit : {expansions_, ks_, seeds_}) {
            bool ok = true;
            const auto values = numberList<double>(edit->text(), &ok);
            const bool wholes = std::all_of(values.begin(), values.end(), [](double v) { return v >= 0 && v == std::floor(v); });
            if (!ok || !wholes) return tr("Sweep over: whole numbers separated by commas, e.g. 4,8 (%1).").arg(edit->placeholderText());
        }
    }
    if (runOn_->currentIndex() == 1 && QStandardPaths::findExecutable(QStringLiteral("sbatch")).isEmpty())
        return tr("Slurm's sbatch is not on PATH: this computer cannot submit to a Slurm cluster.");
    return {};
}
void NewRunDialog::refreshState() {
    const QString problem = validate();
    const RunSpec run = spec();
    const size_t methods = run.kind == RunSpec::Kind::Craft ? craft::methodPairs(run.craft).size() : 1;
    const QString comparison = methods > 1 ? tr(" Each compares %1 methods (dictionaries × importance estimators) on one activation "
                                                "pass, shown together in the Methods view.").arg(methods)
                                           : QString();
    sweepNote_->setText(run.isSweep() ? tr("A sweep: one run per %1, each in its own project in a folder beside this one "
                                           "(%2.sweeps), merged into this project when they have finished.")
                                                .arg(run.kind == RunSpec::Kind::Craft ? tr("class") : tr("point of the grid"),
                                                     QFileInfo(projectPath_).completeBaseName()) + comparison
                        : methods > 1 ? tr("A method comparison: %1 runs here, one per dictionary × importance estimator, sharing "
                                           "one activation pass; the Methods view shows them side by side.").arg(methods)
                                      : tr("One run, here."));
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    // Say what is missing only once the user has typed something: an empty form is not an error.
    const bool started = !model_->text().isEmpty() || !images_->text().isEmpty() || !interactions_->text().isEmpty();
    problem_->setText(started ? problem : QString());
}

void NewRunDialog::accept() {
    const QString problem = validate();
    if (!problem.isEmpty()) {
        problem_->setText(problem);
        return;
    }
    QDialog::accept();
}

QString NewRunDialog::acceptDroppedPath(const QString& path) {
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    if (suffix == QLatin1String("pt") || suffix == QLatin1String("pth") || suffix == QLatin1String("ptl")) {
        model_->setText(info.absoluteFilePath());
        return QStringLiteral("model");
    }
    if (info.isDir() || suffix == QLatin1String("gz") || suffix == QLatin1String("idx") || path.endsWith(QLatin1String("-ubyte"))) {
        images_->setText(info.absoluteFilePath());
        setKind(RunSpec::Kind::Craft);
        return QStringLiteral("images");
    }
    if (suffix == QLatin1String("tsv") || info.fileName().contains(QLatin1String("meta"), Qt::CaseInsensitive)) {
        itemMeta_->setText(info.absoluteFilePath());
        setKind(RunSpec::Kind::RecSae);
        return QStringLiteral("item-meta");
    }
    if (looksLikeInteractions(info) || suffix == QLatin1String("txt")) {
        interactions_->setText(info.absoluteFilePath());
        setKind(RunSpec::Kind::RecSae);
        return QStringLiteral("interactions");
    }
    return {};
}

void NewRunDialog::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void NewRunDialog::dropEvent(QDropEvent* event) {
    QStringList unknown;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && acceptDroppedPath(url.toLocalFile()).isEmpty()) unknown << url.toLocalFile();
    if (!unknown.isEmpty()) problem_->setText(tr("Not recognised (drop a .pt model, an image folder or IDX file, or an interaction log): %1")
                                                  .arg(unknown.join(QStringLiteral(", "))));
    event->acceptProposedAction();
}

}  // namespace cs::ui
