# Text of the runs area (issue 13).

## Named counts of runs and stored reports (count-<key>).
count-managed_devices = Verwaltete Geräte
count-configuration_profiles = Konfigurationsprofile
count-permissions_required = Erforderliche Berechtigungen
count-permissions_granted = Erteilte Berechtigungen
count-permissions_missing = Fehlende Berechtigungen
count-roles = Verzeichnisrollen
count-high_privilege_roles = Rollen mit hohen Berechtigungen
count-high_privilege_members = Mitglieder von Rollen mit hohen Berechtigungen
count-members = Rollenmitglieder
count-files = Dateien
count-bytes = Größe (Bytes)
count-required = Erforderlich
count-granted = Erteilt
count-missing = Fehlend
count-additional = Zusätzlich erteilt

## Live progress.
run-elapsed = Dauer
run-elapsed-minutes = { $minutes } Min.
run-elapsed-seconds = { $seconds } Sek.
run-refresh = Aktualisieren
run-live-hint = Dieser Vorgang läuft noch; sein Status wird auf dieser Seite aktualisiert.
run-waiting-worker = Wartet darauf, dass ein Worker ihn übernimmt.
run-waiting-paused = Die Ausführung von Vorgängen ist von den Plattformbetreibern pausiert. Der Vorgang startet, sobald sie sie fortsetzen.

## What next.
run-next-title = Wie geht es weiter
run-next-reason = Grund
run-next-action = Aktion
run-retry = Vorgang wiederholen
run-retry-hint = Startet einen neuen Vorgang derselben Art für diesen Mandanten.
run-grant-consent = Administratorzustimmung erteilen
run-grant-consent-hint = Für diesen Mandanten fehlt die Administratorzustimmung; erteilen Sie sie und überprüfen Sie dann erneut.
run-retry-not-retryable = Nur ein abgeschlossener Vorgang, der fehlgeschlagen oder teilweise erfolgreich ist, kann wiederholt werden.
run-retry-unknown-type = Diese Version kennt die Art dieses Vorgangs nicht; er kann nicht wiederholt werden.
run-retry-blocked-connection = Dieser Mandant hat keine Anbieterverbindung; eine Wiederholung kann nicht gelingen. Verbinden Sie zuerst einen Anbieter.
run-retry-blocked-consent = Für diesen Mandanten fehlt die Administratorzustimmung; eine Wiederholung kann nicht gelingen. Erteilen Sie zuerst die Administratorzustimmung.

## Permission legend.
run-permission-legend = Legende
run-permission-granted = Erteilt
run-permission-missing = Fehlt
run-permission-unknown = Unbekannt
run-permission-unknown-hint = der Anbieter hat nicht gemeldet, ob sie erteilt ist; überprüfen Sie erneut, um es herauszufinden.

## Was der Grund eines Vorgangs bedeutet, auf seiner Seite gesagt (die gespeicherte Zusammenfassung bleibt für die API englisch).
run-summary-stored = Gespeicherte technische Meldung (englisch, wie Anbieter oder Dienst sie geschrieben haben)
run-summary-admin-consent-required = Für die Anbieterverbindung fehlt die Administratorzustimmung, daher hat der Anbieter den Zugriff verweigert.
run-summary-required-permissions-missing = Der Anbieterverbindung fehlen erforderliche Berechtigungen; erteilen Sie sie und führen Sie den Vorgang erneut aus.
run-summary-connection-unhealthy = Die Anbieterverbindung hat nicht korrekt geantwortet; überprüfen Sie sie, bevor Sie es erneut versuchen.
run-summary-verification-stale = Die letzte Überprüfung ist zu alt, um sich darauf zu verlassen; überprüfen Sie die Anbieterverbindung erneut.
run-summary-verification-failed = Die Überprüfung hat kein verwertbares Ergebnis geliefert.
run-summary-retryable-provider-failure = Der Anbieter hat die Anfrage gedrosselt oder nicht rechtzeitig geantwortet; versuchen Sie es gleich noch einmal.
run-summary-provider-connection-missing = Dieser Mandant hat keine Anbieterverbindung. Verbinden Sie im Onboarding einen Anbieter und wiederholen Sie den Vorgang.
run-summary-orphaned = Die Instanz, die diesen Vorgang ausgeführt hat, wurde vor dem Ende beendet.
run-summary-unknown-operation-type = Diese Version kennt die Art dieses Vorgangs nicht, daher konnte er nicht ausgeführt werden.
run-summary-internal-error = Der Vorgang wurde wegen eines internen Fehlers beendet.
