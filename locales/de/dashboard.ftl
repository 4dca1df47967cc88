# Text of the dashboard area (issue 13).

## Deaktivierte Aktionen: die nötige Rolle in Worten
reason-needs-role-operator = Erfordert die Rolle Operator – wenden Sie sich an die Inhaberin oder den Inhaber des Arbeitsbereichs.
reason-needs-role-manager = Erfordert die Rolle Manager – wenden Sie sich an die Inhaberin oder den Inhaber des Arbeitsbereichs.
reason-needs-role-owner = Erfordert die Rolle Inhaber – wenden Sie sich an die Inhaberin oder den Inhaber des Arbeitsbereichs.

## Vorgänge, die nicht gelingen können, vor dem Klick gesagt
start-blocked-admin-consent-required = Erfordert die Administratorzustimmung – erteilen Sie sie zuerst.
start-blocked-provider-connection-missing = Erfordert eine Anbieterverbindung – verbinden Sie den Mandanten zuerst.

## Die Entscheidungskarte oben im Mandanten-Dashboard
dashboard-decision-title = Was Aufmerksamkeit braucht
dashboard-label-verdict = Ergebnis
dashboard-label-blocker = Wichtigstes Hindernis
dashboard-label-primary-action = Wichtigster nächster Schritt
dashboard-no-blocker = Nichts blockiert diesen Mandanten.
dashboard-never-verified = Die Anbieterverbindung wurde noch nicht überprüft.
dashboard-action-grant-consent = Administratorzustimmung erteilen
dashboard-action-review-permissions = Berechtigungen prüfen
dashboard-action-rerun-verification = Überprüfung erneut ausführen
dashboard-action-run-verification = Überprüfung ausführen
dashboard-action-connect = Anbieterverbindung herstellen
dashboard-start-title = Vorgang starten
dashboard-reports-title = Berichte und Prüfpakete
dashboard-reports-all = Alle Berichte und Prüfpakete

## Die erforderlichen Berechtigungen des Mandanten
permissions-title = Erforderliche Berechtigungen
permissions-intro = Anwendungsberechtigungen, die TenantPilot in diesem Mandanten braucht, wie die neueste Überprüfung sie vorgefunden hat.
permissions-col-permission = Berechtigung
permissions-col-state = Stand
permissions-granted = Erteilt
permissions-missing = Fehlt
permissions-unknown = Unbekannt
permissions-legend-unknown = Unbekannt: Die Überprüfung konnte es nicht feststellen (zum Beispiel fehlte die Administratorzustimmung oder der Anbieter antwortete nicht). Führen Sie die Überprüfung erneut aus, sobald das Hindernis behoben ist.
permissions-from-run = Aus Überprüfung { $id }
permissions-checked-at = Überprüft am
permissions-none = Es wurde noch keine Überprüfung ausgeführt, daher wurde keine Berechtigung geprüft.
permissions-count-missing = { $n } fehlen
permissions-count-granted = { $n } erteilt
permissions-count-unknown = { $n } unbekannt
permissions-back = Zurück zum Dashboard
