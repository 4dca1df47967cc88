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

## Was ein Paket nicht enthält (Codes von `not_collected`) und warum.
not-collected-client-secret = Geheimer Clientschlüssel
not-collected-client-secret-reason = Geheimnisse werden nie erfasst; der geheime Clientschlüssel liegt nur in der Konfiguration des Dienstes.
not-collected-access-tokens = Zugriffstoken
not-collected-access-tokens-reason = Token des Anbieters werden nur im Arbeitsspeicher verwendet und nie gespeichert.
not-collected-audit-log = Audit-Protokoll
not-collected-audit-log-reason = Das Audit-Protokoll steht Inhabern und Managern des Arbeitsbereichs auf einer eigenen Seite zur Verfügung.
not-collected-provider-connection = Anbieterverbindung
not-collected-provider-connection-reason = Der Mandant hat keine Anbieterverbindung.
not-collected-verification = Überprüfung
not-collected-verification-reason = Die Anbieterverbindung wurde noch nie überprüft.
not-collected-recent-runs-beyond-size-limit = Ältere Vorgänge
not-collected-recent-runs-beyond-size-limit-reason = Das Paket ist auf { $size } begrenzt; ältere Vorgänge wurden weggelassen.
not-collected-support-diagnostics = Supportdiagnose
not-collected-support-diagnostics-reason = Die anfragende Person darf keine Supportdiagnose sehen, daher wurde kein Diagnose-Schnappschuss angehängt.
