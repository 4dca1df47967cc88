# Contextual help text (de). Spec 244: the catalog in src/features/help/catalog.rs names these
# ids; every id here must also exist in locales/en/help.ftl. Reason labels of the provider
# topics reuse `reason-*` from operations.ftl.

## Help block chrome
help-badge = Kontextbezogene Hilfe
help-safe-next-action = Sicherer nächster Schritt
help-troubleshooting-steps = Schritte zur Fehlerbehebung
help-docs-links = Dokumentation
help-glossary = Glossar
help-opens-new-tab = (öffnet in einem neuen Tab)

## Neutral fallback, shown when a host asks for a topic the catalog does not have
help-fallback-headline = Kontextbezogene Hilfe
help-fallback-explanation = Für diese Situation gibt es noch keine spezifische Hilfe. Maßgeblich bleiben die Angaben auf dieser Seite.
help-fallback-step-1 = Prüfen Sie Status und Grund, die auf dieser Seite angezeigt werden.
help-fallback-step-2 = Besteht das Problem weiter, erstellen Sie eine Supportanfrage mit der aktuellen Diagnosezusammenfassung.
help-fallback-next = Prüfen Sie die Angaben auf dieser Seite, bevor Sie weitere Schritte unternehmen.

## admin-consent-required
help-admin-consent-required-headline = Administratorzustimmung erforderlich
help-admin-consent-required-explanation = Dieser Ablauf ist blockiert, bis für die aktuelle Anbieterverbindung die Administratorzustimmung erteilt wurde.
help-admin-consent-required-step-1 = Melden Sie sich im Kundenmandanten als Globaler Administrator oder Administrator für privilegierte Rollen an.
help-admin-consent-required-step-2 = Erteilen Sie die Administratorzustimmung für die aktuelle Anbieterverbindung.
help-admin-consent-required-step-3 = Führen Sie die Überprüfung erneut aus oder öffnen Sie die Supportdiagnose erneut, sobald die Zustimmung erteilt ist.
help-admin-consent-required-next = Erteilen Sie die Administratorzustimmung und führen Sie die Überprüfung erneut aus.

## required-permissions-missing
help-required-permissions-missing-headline = Erforderliche Berechtigungen fehlen
help-required-permissions-missing-explanation = Der App der Anbieterverbindung fehlen eine oder mehrere Berechtigungen, die der aktuelle Ablauf benötigt.
help-required-permissions-missing-step-1 = Prüfen Sie die Übersicht der erforderlichen Berechtigungen für den aktuellen Mandanten.
help-required-permissions-missing-step-2 = Erteilen Sie die fehlenden Anwendungsberechtigungen und erneuern Sie die Administratorzustimmung, damit sie wirksam werden.
help-required-permissions-missing-step-3 = Aktualisieren Sie die Überprüfung, nachdem die fehlenden Berechtigungen erteilt wurden.
help-required-permissions-missing-next = Öffnen Sie die erforderlichen Berechtigungen und bestätigen Sie die fehlenden Freigaben.

## connection-unhealthy
help-connection-unhealthy-headline = Anbieterverbindung muss überprüft werden
help-connection-unhealthy-explanation = Die Anbieterverbindung ist beeinträchtigt oder nicht erreichbar, daher gilt das aktuelle Ergebnis nicht als verlässlich.
help-connection-unhealthy-step-1 = Prüfen Sie das letzte Zustandssignal der Anbieterverbindung.
help-connection-unhealthy-step-2 = Stellen Sie sicher, dass die Verbindung auf das richtige Verzeichnis zeigt und die App im Kundenmandanten noch aktiviert ist.
help-connection-unhealthy-step-3 = Wiederholen Sie den Ablauf, sobald die Anbieterverbindung wieder fehlerfrei ist.
help-connection-unhealthy-next = Prüfen Sie die Anbieterverbindung, bevor Sie es erneut versuchen.

## verification-stale
help-verification-stale-headline = Überprüfungsergebnis ist veraltet
help-verification-stale-explanation = Das letzte Überprüfungsergebnis ist zu alt oder passt nicht mehr, um die aktuelle Onboarding-Entscheidung darauf zu stützen.
help-verification-stale-step-1 = Führen Sie die Überprüfung für die aktuell ausgewählte Anbieterverbindung erneut aus.
help-verification-stale-step-2 = Verwenden Sie das aktualisierte Ergebnis, bevor Sie mit dem Onboarding fortfahren.
help-verification-stale-next = Aktualisieren Sie die Überprüfung, bevor Sie mit dem Onboarding fortfahren.

## verification-failed
help-verification-failed-headline = Überprüfung fehlgeschlagen
help-verification-failed-explanation = Die letzte Überprüfung hat für den aktuellen Mandanten kein belastbares Ergebnis geliefert.
help-verification-failed-step-1 = Prüfen Sie den blockierenden Grund, bevor Sie die Überprüfung wiederholen.
help-verification-failed-step-2 = Öffnen Sie den Vorgang, um technische Details wie den Fehlercode des Anbieters zu sehen.
help-verification-failed-step-3 = Stellen Sie sicher, dass die Voraussetzung erfüllt ist, und führen Sie die Überprüfung dann erneut aus.
help-verification-failed-next = Prüfen Sie den blockierenden Grund und wiederholen Sie die Überprüfung.

## diagnostic-evidence-incomplete
help-diagnostic-evidence-incomplete-headline = Diagnosebelege sind unvollständig
help-diagnostic-evidence-incomplete-explanation = Die Supportdiagnose kann das Problem zusammenfassen, aber die vorhandenen Belege reichen für eine abschließende Bewertung nicht aus.
help-diagnostic-evidence-incomplete-reason = Belege unvollständig
help-diagnostic-evidence-incomplete-step-1 = Sehen Sie sich die vorhandenen Belege und Verweise im aktuellen Support-Kontext an.
help-diagnostic-evidence-incomplete-step-2 = Prüfen Sie, welche Angaben die Supportdiagnose nicht erfassen konnte.
help-diagnostic-evidence-incomplete-step-3 = Erzeugen Sie ein aktuelles Ergebnis einer Überprüfung oder eines Vorgangs, bevor Sie abschließend entscheiden.
help-diagnostic-evidence-incomplete-next = Erfassen Sie ein aktuelleres oder vollständigeres Diagnosesignal.

## retryable-provider-failure
help-retryable-provider-failure-headline = Anbieterfehler ist vermutlich vorübergehend
help-retryable-provider-failure-explanation = Das aktuelle Problem beim Anbieter scheint vorübergehend zu sein; der nächste sichere Schritt ist ein erneuter Versuch, sobald der Dienst wieder verfügbar ist.
help-retryable-provider-failure-step-1 = Vergewissern Sie sich, dass der Dienst des Anbieters wieder verfügbar ist.
help-retryable-provider-failure-step-2 = Hat Microsoft Graph die Anfrage gedrosselt, warten Sie die angegebene Wartezeit ab, bevor Sie es erneut versuchen.
help-retryable-provider-failure-step-3 = Wiederholen Sie den Ablauf, sobald das Problem beim Anbieter behoben ist.
help-retryable-provider-failure-next = Versuchen Sie es erneut, sobald der Dienst des Anbieters wieder verfügbar ist.

## manual-handoff-required
help-manual-handoff-required-headline = Manuelle Übergabe an den Support erforderlich
help-manual-handoff-required-explanation = TenantPilot kann das aktuelle Problem zusammenfassen, für den nächsten Schritt ist aber eine Übergabe an eine Person im Support nötig.
help-manual-handoff-required-reason = Übergabe erforderlich
help-manual-handoff-required-step-1 = Sehen Sie sich die aktuellen Verweise an, bevor Sie den Fall übergeben.
help-manual-handoff-required-step-2 = Halten Sie den sicheren nächsten Schritt und die unterstützenden Belege für die übernehmende Person fest.
help-manual-handoff-required-step-3 = Erstellen Sie eine Supportanfrage, damit die Übergabe eine nachvollziehbare Referenz hat.
help-manual-handoff-required-next = Übergeben Sie den Fall mit der aktuellen Diagnosezusammenfassung und den unterstützenden Verweisen.

## Approved documentation links
help-link-grant-admin-consent = Mandantenweite Administratorzustimmung für eine Anwendung erteilen
help-link-permissions-consent-overview = Berechtigungen und Zustimmung in der Microsoft Identity Platform
help-link-graph-permissions-reference = Referenz der Microsoft Graph-Berechtigungen
help-link-graph-throttling = Leitfaden zur Drosselung in Microsoft Graph
help-link-graph-errors = Fehlerantworten von Microsoft Graph
help-link-entra-error-codes = Fehlercodes der Microsoft Entra-Authentifizierung (AADSTS)
help-link-service-health = Dienstintegrität von Microsoft 365 prüfen

## Glossary
help-term-tenant = Mandant
help-term-tenant-definition = Die Microsoft-365-Organisation eines Kunden, die Ihr Arbeitsbereich verwaltet.
help-term-workspace = Arbeitsbereich
help-term-workspace-definition = Ihr MSP oder Team in TenantPilot; er bündelt verwaltete Mandanten und legt fest, wer sie sehen darf.
help-term-provider-connection = Anbieterverbindung
help-term-provider-connection-definition = Wie TenantPilot die Microsoft-Cloud eines Mandanten erreicht: die App, ihre Zustimmung und Berechtigungen sowie ihr Zustand.
help-term-admin-consent = Administratorzustimmung
help-term-admin-consent-definition = Die Freigabe durch eine Administratorin oder einen Administrator des Mandanten, damit die App ihre Berechtigungen organisationsweit nutzen darf.
help-term-application-permission = Anwendungsberechtigung
help-term-application-permission-definition = Eine Berechtigung, die die App ohne angemeldete Person nutzt; sie erfordert immer die Administratorzustimmung.
help-term-verification = Überprüfung
help-term-verification-definition = Eine Kontrolle von Zustimmung, Berechtigungen und Zustand einer Anbieterverbindung; das Ergebnis wird als Überprüfungsbericht gespeichert.
help-term-freshness-window = Aktualitätszeitraum
help-term-freshness-window-definition = Wie lange ein Überprüfungsergebnis als verlässlich gilt, bevor es als veraltet zählt.
help-term-support-diagnostics = Supportdiagnose
help-term-support-diagnostics-definition = Eine geschwärzte, maschinenlesbare Zusammenfassung eines Mandanten oder Vorgangs für die Fehlersuche.
help-term-evidence = Belege
help-term-evidence-definition = Die Datensätze, auf denen eine Diagnose beruht: Überprüfungsberichte, Vorgänge und ihre Grundcodes.
help-term-throttling = Drosselung
help-term-throttling-definition = Microsoft Graph begrenzt Anfragen vorübergehend und antwortet mit HTTP 429 und einer Wartezeit.
help-term-operation-run = Vorgang
help-term-operation-run-definition = Ein mandantengebundener Auftrag mit Status, Ergebnis und Grundcode.
help-term-support-request = Supportanfrage
help-term-support-request-definition = Ein unveränderlicher Eingangsdatensatz mit SR-Referenz, der an Ihren Support-Desk übergeben werden kann.

## Mandantenbezogene Aktionen der Themen
help-actions = Aktionen
help-action-grant-admin-consent = Administratorzustimmung erteilen
help-action-open-required-permissions = Erforderliche Berechtigungen öffnen
help-action-rerun-verification = Überprüfung erneut ausführen
help-action-review-connection = Anbieterverbindung prüfen
