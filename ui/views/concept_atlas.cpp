#include "views/concept_atlas.h"

#include "services/label_edits.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "store/project_store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>

namespace cs::ui {

namespace {
constexpr int kCardWidth = 300;
constexpr int kThumbs = 4;
constexpr int kThumbSize = 62;
const char* kConceptProperty = "conceptId";
}  // namespace

ImportanceBar::ImportanceBar(double value, double spread, double maximum, const QColor& color, QWidget* parent)
    : QWidget(parent), value_(value), spread_(spread), maximum_(maximum > 0 ? maximum : 1.0), color_(color) {
    setMinimumHeight(14);
    setToolTip(tr("importance %1 ± %2 (mean ± std of the Sobol total index over images)")
                   .arg(value, 0, 'f', 3)
                   .arg(spread, 0, 'f', 3));
}

void ImportanceBar::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r = rect().adjusted(0, 2, -1, -2);
    p.setPen(Qt::NoPen);
    p.setBrush(palette().color(QPalette::AlternateBase).darker(105));
    p.drawRoundedRect(r, 3, 3);
    const double scale = r.width() / (maximum_ * 1.15);
    p.setBrush(color_);
    p.drawRoundedRect(QRectF(r.left(), r.top(), std::max(1.0, value_ * scale), r.height()), 3, 3);
    // Whisker: value ± spread.
    p.setPen(QPen(palette().color(QPalette::WindowText), 1.5));
    const double lo = r.left() + std::max(0.0, value_ - spread_) * scale;
    const double hi = r.left() + std::min(maximum_ * 1.15, value_ + spread_) * scale;
    const double y = r.center().y();
    p.drawLine(QPointF(lo, y), QPointF(hi, y));
    p.drawLine(QPointF(lo, r.top() + 2), QPointF(lo, r.bottom() - 2));
    p.drawLine(QPointF(hi, r.top() + 2), QPointF(hi, r.bottom() - 2));
}

ConceptAtlas::ConceptAtlas(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 0);
    sortBox_ = new QComboBox(this);
    sortBox_->addItems({tr("Importance"), tr("Concept number"), tr("Name")});
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter by label, note or layer…"));
    filter_->setClearButtonEnabled(true);
    subConcepts_ = new QCheckBox(tr("Sub-concepts"), this);
    subConcepts_->setToolTip(tr("Also show the concepts found by recursive CRAFT at earlier layers"));
    status_ = new QLabel(this);
    bar->addWidget(new QLabel(tr("Sort:"), this));
    bar->addWidget(sortBox_);
    bar->addWidget(filter_, 1);
    bar->addWidget(subConcepts_);
    bar->addWidget(status_);
    layout->addLayout(bar);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    grid_ = new QWidget(scroll);
    gridLayout_ = new QGridLayout(grid_);
    gridLayout_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    gridLayout_->setSpacing(10);
    scroll->setWidget(grid_);
    layout->addWidget(scroll, 1);

    connect(sortBox_, &QComboBox::currentIndexChanged, this, [this] { layoutCards(); });
    connect(filter_, &QLineEdit::textChanged, this, [this] { layoutCards(); });
    connect(subConcepts_, &QCheckBox::toggled, this, [this] { layoutCards(); });
    connect(session_, &ProjectSession::projectChanged, this, &ConceptAtlas::reload);
    connect(session_, &ProjectSession::dataChanged, this, &ConceptAtlas::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &ConceptAtlas::reload);
    connect(selection_, &ConceptSelection::conceptChanged, this, &ConceptAtlas::highlightSelection);
    reload();
}

void ConceptAtlas::setSortKey(SortKey key) { sortBox_->setCurrentIndex(int(key)); }
void ConceptAtlas::setFilterText(const QString& text) { filter_->setText(text); }
void ConceptAtlas::setShowSubConcepts(bool show) { subConcepts_->setChecked(show); }

void ConceptAtlas::reload() {
    results_ = CraftResults{};
    if (session_->isOpen() && selection_->runId() != 0) {
        try {
            results_ = loadCraftResults(*session_->store(), selection_->runId());
        } catch (const std::exception& e) {
            status_->setText(QString::fromStdString(e.what()));
        }
    }
    rebuildCards();
}

QFrame* ConceptAtlas::makeCard(const ConceptInfo& concept, double maxImportance) {
    const QColor color = conceptColor(concept.colorIndex);
    auto* card = new QFrame(grid_);
    card->setObjectName(QStringLiteral("conceptCard%1").arg(concept.id));
    card->setProperty(kConceptProperty, concept.id);
    card->setFixedWidth(kCardWidth);
    card->setFrameShape(QFrame::StyledPanel);
    card->setAutoFillBackground(true);
    card->setCursor(Qt::PointingHandCursor);
    card->installEventFilter(this);
    auto* layout = new QVBoxLayout(card);
    layout->setContentsMargins(10, 8, 10, 8);
    auto* title = new QLabel(QStringLiteral("<span style='color:%1'>■</span> <b>%2</b>")
                                 .arg(color.name(), concept.label.toHtmlEscaped()),
                             card);
    auto* subtitle = new QLabel(tr("%1 · concept %2%3")
                                    .arg(concept.layer.toHtmlEscaped())
                                    .arg(concept.index)
                                    .arg(concept.parentId ? tr(" · sub-concept") : QString()),
                                card);
    subtitle->setEnabled(false);
    title->setObjectName(QStringLiteral("conceptTitle"));
    title->setToolTip(tr("Double-click or F2 to label this concept"));
    layout->addWidget(title);
    layout->addWidget(subtitle);
    if (!concept.note.isEmpty()) {
        auto* note = new QLabel(QStringLiteral("<i>%1</i>").arg(concept.note.toHtmlEscaped()), card);
        note->setObjectName(QStringLiteral("conceptNote"));
        note->setWordWrap(true);
        layout->addWidget(note);
    }
    auto* thumbs = new QHBoxLayout;
    thumbs->setSpacing(4);
    int shown = 0;
    // The concept's MaCo picture first, on a checkerboard so its transparency shows.
    const QImage picture = conceptPicture(*session_->store(), results_, concept.id);
    if (!picture.isNull()) {
        auto* label = new QLabel(card);
        label->setObjectName(QStringLiteral("conceptPicture"));
        label->setPixmap(QPixmap::fromImage(onCheckerboard(picture, kThumbSize)));
        label->setToolTip(tr("What this concept looks like: an image optimised to activate it (MaCo). "
                             "Transparent where the concept is not."));
        label->setStyleSheet(QStringLiteral("border: 2px dashed %1;").arg(color.name()));
        thumbs->addWidget(label);
    }
    for (const QImage& image : conceptCropImages(*session_->store(), results_, concept.id, picture.isNull() ? kThumbs : kThumbs - 1)) {
        auto* label = new QLabel(card);
        // Small crops (28 px MNIST patches) are scaled up without blurring them.
        label->setPixmap(QPixmap::fromImage(image.scaled(kThumbSize, kThumbSize, Qt::KeepAspectRatio,
                                                         image.width() < kThumbSize / 2 ? Qt::FastTransformation : Qt::SmoothTransformation)));
        label->setStyleSheet(QStringLiteral("border: 2px solid %1;").arg(color.name()));
        thumbs->addWidget(label);
        ++shown;
    }
    if (shown == 0 && picture.isNull()) {
        auto* none = new QLabel(tr("no crops stored"), card);
        none->setEnabled(false);
        none->setMinimumHeight(kThumbSize);
        thumbs->addWidget(none);
    }
    thumbs->addStretch();
    layout->addLayout(thumbs);
    auto* importanceRow = new QHBoxLayout;
    importanceRow->addWidget(new ImportanceBar(concept.importance, concept.spread, maxImportance, color, card), 1);
    importanceRow->addWidget(new QLabel(QStringLiteral("%1 ± %2").arg(concept.importance, 0, 'f', 3).arg(concept.spread, 0, 'f', 3), card));
    layout->addLayout(importanceRow);
    return card;
}

void ConceptAtlas::rebuildCards() {
    for (QFrame* card : std::as_const(cards_)) delete card;
    cards_.clear();
    order_.clear();
    columns_ = 0;
    double maxImportance = 0;
    for (const auto& c : results_.concepts) maxImportance = std::max(maxImportance, c.importance + c.spread);
    for (const auto& c : results_.concepts) cards_.insert(c.id, makeCard(c, maxImportance));
    layoutCards();
}

void ConceptAtlas::layoutCards() {
    while (gridLayout_->count() > 0) delete gridLayout_->takeAt(0);
    std::vector<const ConceptInfo*> shown;
    const QString filter = filter_->text().trimmed();
    for (const auto& c : results_.concepts) {
        if (c.parentId != 0 && !subConcepts_->isChecked()) continue;
        if (!filter.isEmpty() && !c.label.contains(filter, Qt::CaseInsensitive) && !c.layer.contains(filter, Qt::CaseInsensitive) &&
            !c.note.contains(filter, Qt::CaseInsensitive))
            continue;
        shown.push_back(&c);
    }
    const int key = sortBox_->currentIndex();
    std::stable_sort(shown.begin(), shown.end(), [key](const ConceptInfo* a, const ConceptInfo* b) {
        if (key == 0) return a->importance > b->importance;
        if (key == 2) return a->label.localeAwareCompare(b->label) < 0;
        return a->index < b->index;
    });
    columns_ = std::max(1, (width() - 20) / (kCardWidth + 10));
    order_.clear();
    for (QFrame* card : std::as_const(cards_)) card->hide();
    for (size_t i = 0; i < shown.size(); ++i) {
        QFrame* card = cards_.value(shown[i]->id);
        gridLayout_->addWidget(card, int(i) / columns_, int(i) % columns_);
        card->show();
        order_ << shown[i]->id;
    }
    if (results_.concepts.empty())
        status_->setText(selection_->runId() ? tr("this run has no concepts") : tr("select a CRAFT run"));
    else
        status_->setText(tr("%1 of %2 concepts").arg(shown.size()).arg(results_.concepts.size()));
    highlightSelection();
}

void ConceptAtlas::highlightSelection() {
    const qint64 selected = selection_->conceptId();
    for (auto it = cards_.begin(); it != cards_.end(); ++it) {
        const bool on = it.key() == selected;
        it.value()->setStyleSheet(on ? QStringLiteral("QFrame#%1 { border: 3px solid %2; border-radius: 4px; }")
                                           .arg(it.value()->objectName(), themeColors().selection.name())
                                     : QString());
    }
}

bool ConceptAtlas::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonDblClick) {
        const QVariant id = watched->property(kConceptProperty);
        if (id.isValid()) {
            selection_->setConcept(id.toLongLong());
            openLabelEditor(this, session_, selection_->runId(), store::LabelTarget::Concept, id.toLongLong());
            return true;
        }
    }
    if (event->type() == QEvent::MouseButtonRelease) {
        const QVariant id = watched->property(kConceptProperty);
        if (id.isValid()) {
            selection_->setConcept(id.toLongLong());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ConceptAtlas::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (std::max(1, (width() - 20) / (kCardWidth + 10)) != columns_) layoutCards();
}

}  // namespace cs::ui
