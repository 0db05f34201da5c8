#include "views/run_overview.h"

#include "services/project_session.h"
#include "services/selection_model.h"
#include "results/run_data.h"
#include "store/project_store.h"

#include <QJsonDocument>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace cs::ui {

namespace {
QString prettyJson(const std::string& text) {
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text));
    if (doc.isNull()) return QString::fromStdString(text).toHtmlEscaped();
    QString pretty = QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
    if (pretty.size() > 20000) pretty = pretty.left(20000) + QStringLiteral("\n…");
    return pretty.toHtmlEscaped();
}
}  // namespace

RunOverview::RunOverview(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    text_ = new QTextBrowser(this);
    text_->setOpenExternalLinks(false);
    layout->addWidget(text_);
    connect(session_, &ProjectSession::projectChanged, this, &RunOverview::reload);
    connect(session_, &ProjectSession::dataChanged, this, &RunOverview::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &RunOverview::reload);
    reload();
}

QString RunOverview::plainText() const { return text_->toPlainText(); }

void RunOverview::reload() {
    if (!session_->isOpen()) {
        text_->setHtml(tr("<h2>ConceptStudio</h2><p>Explains what trained models learned: CRAFT concepts "
                          "for vision models, sparse-autoencoder latents for recommenders.</p>"
                          "<p>Open a project (<b>Ctrl+O</b>), create one (<b>Ctrl+N</b>), or open the demo "
                          "project from the File menu.</p>"));
        return;
    }
    const qint64 runId = selection_->runId();
    if (runId == 0) {
        text_->setHtml(tr("<h2>%1</h2><p>Select a run in the project explorer.</p>")
                           .arg(session_->displayName().toHtmlEscaped()));
        return;
    }
    try {
        const auto* store = session_->store();
        if (!store->run(runId)) {
            text_->setHtml(tr("<p>Run %1 is no longer in the project.</p>").arg(runId));
            return;
        }
        const results::RunData data = results::loadRunData(*store, runId);
        const store::RunRecord* run = &data.run;
        const auto concepts = data.concepts.size();
        const auto crops = data.crops.size();
        const auto latents = data.latents.size();
        const auto artifacts = data.artifacts.size();
        QString html = tr("<h2>Run #%1 — %2</h2>").arg(runId).arg(QString::fromStdString(run->kind).toHtmlEscaped());
        html += QStringLiteral("<table cellspacing=4>");
        auto row = [&](const QString& key, const QString& value) {
            html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(key, value);
        };
        row(tr("Status"), QString::fromLatin1(store::toString(run->status)));
        row(tr("Created"), QString::fromStdString(run->createdAt));
        if (!run->startedAt.empty()) row(tr("Started"), QString::fromStdString(run->startedAt));
        if (!run->finishedAt.empty()) row(tr("Finished"), QString::fromStdString(run->finishedAt));
        row(tr("Results"), tr("%1 concepts, %2 crops, %3 latents, %4 artifacts")
                               .arg(concepts).arg(crops).arg(latents).arg(artifacts));
        if (!run->error.empty())
            row(tr("Error"), QStringLiteral("<span style='color:#d33'>%1</span>")
                                 .arg(QString::fromStdString(run->error).toHtmlEscaped()));
        html += QStringLiteral("</table>");
        html += tr("<h3>Parameters</h3><pre>%1</pre>").arg(prettyJson(run->parametersJson));
        html += tr("<h3>Summary</h3><pre>%1</pre>").arg(prettyJson(run->summaryJson));
        text_->setHtml(html);
    } catch (const std::exception& e) {
        text_->setHtml(tr("<p style='color:#d33'>Cannot read run %1: %2</p>")
                           .arg(runId)
                           .arg(QString::fromStdString(e.what()).toHtmlEscaped()));
    }
}

}  // namespace cs::ui
