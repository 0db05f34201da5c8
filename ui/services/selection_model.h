#pragma once
// ConceptSelection: what the user is looking at, shared by every view so they follow each
// other: the current run and the selected concept (or latent) within it.
#include <QObject>

namespace cs::ui {

class ConceptSelection : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    qint64 runId() const { return runId_; }
    qint64 conceptId() const { return conceptId_; }  // concept row id (or latent row id); 0 = none

    void setRun(qint64 runId) {
        if (runId == runId_) return;
        runId_ = runId;
        conceptId_ = 0;
        emit runChanged(runId_);
        emit conceptChanged(conceptId_);  // a view may have chosen one on runChanged (the SAE dashboard does)
    }
    void setConcept(qint64 conceptId) {
        if (conceptId == conceptId_) return;
        conceptId_ = conceptId;
        emit conceptChanged(conceptId_);
    }
    void clear() { setRun(0); }

signals:
    void runChanged(qint64 runId);
    void conceptChanged(qint64 conceptId);

private:
    qint64 runId_ = 0;
    qint64 conceptId_ = 0;
};

}  // namespace cs::ui
