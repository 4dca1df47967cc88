# Support diagnostics (de).
diagnostics-title = Supportdiagnose
diagnostics-open = Supportdiagnose öffnen
diagnostics-readonly = Schreibgeschützte Vorschau; Geheimnisse werden nie erfasst, personenbezogene Daten durch Platzhalter ersetzt.
diagnostics-back = Zurück
diagnostics-dominant-issue = Hauptproblem
diagnostics-no-issue = Es wurde kein offenes Problem gefunden.
diagnostics-evidence-incomplete = Die Belege sind unvollständig (keine Anbieterverbindung oder noch keine Überprüfung).
diagnostics-download = JSON herunterladen
diagnostics-redaction = Schwärzung
diagnostics-redaction-none = Es musste nichts geschwärzt werden.
diagnostics-rule = Regel
diagnostics-count = Anzahl
diagnostics-replacement = Ersetzt durch
diagnostics-not-collected = Nicht erfasst
diagnostics-bundle = Paket (JSON)
more-actions = Mehr
