# System console: dashboard, Control Tower, operational controls (features/system)
nav-system-controls = Steuerung
nav-system-support-desk = Support-Desk
system-window-label = Zeitraum
system-window-24h = Letzte 24 Stunden
system-window-7d = Letzte 7 Tage
system-window-30d = Letzte 30 Tage
system-window-range = { $from } – { $to }
system-tower-title = Control Tower
system-health-healthy = Fehlerfrei
system-health-degraded = Beeinträchtigt
system-health-critical = Kritisch
system-kpi-runs-started = Gestartete Vorgänge
system-kpi-succeeded = Erfolgreich
system-kpi-partial-note = { $count ->
    [one] dazu einer teilweise erfolgreich
   *[other] dazu { $count } teilweise erfolgreich
}
system-kpi-failed = Fehlgeschlagen
system-kpi-orphaned-note = { $count ->
    [one] davon einer verwaist
   *[other] davon { $count } verwaist
}
system-kpi-success-rate = Erfolgsquote
system-kpi-success-rate-note = { $count ->
    [one] von einem abgeschlossenen Vorgang
   *[other] von { $count } abgeschlossenen Vorgängen
}
system-kpi-active = Jetzt aktiv
system-kpi-active-note = { $queued } in der Warteschlange, { $running } laufend
system-kpi-stuck = Jetzt hängend
system-kpi-stuck-note = Über 15 Minuten in der Warteschlange oder laufend ohne Lebenszeichen
system-telemetry-title = Produkt-Telemetrie
system-telemetry-events = { $count ->
    [one] Ein Ereignis im Zeitraum „{ $window }“
   *[other] { $count } Ereignisse im Zeitraum „{ $window }“
}
system-chart-title = Ereignisse pro Tag
system-chart-description = Gestapelte Balken: ein Balken pro UTC-Tag, eine Farbe pro Ereignisfamilie. Legende und Datentabelle darunter zeigen dieselben Zahlen.
system-chart-legend = Ereignisfamilien
system-chart-empty = In diesem Zeitraum gibt es keine Ereignisse.
system-chart-data = Zahlen anzeigen
system-chart-day = Tag (UTC)
system-offenders-title = Häufigste Fehlerquellen
system-offenders-intro = Mandanten und Vorgangsarten mit den meisten fehlgeschlagenen Vorgängen
system-offenders-empty = Keine fehlgeschlagenen Vorgänge in diesem Zeitraum.
system-failures-title = Letzte Fehler
system-failures-intro = Die neuesten fehlgeschlagenen Vorgänge
system-failures-empty = Keine fehlgeschlagenen Vorgänge in diesem Zeitraum.
system-col-tenant = Mandant
system-col-type = Vorgang
system-col-failures = Fehler
system-col-last-failure = Letzter Fehler
system-col-reason = Grund
system-col-time = Zeit
system-installation-title = Installation
system-controls-title = Betriebssteuerung
system-controls-intro = Pausieren Sie einen Teil von TenantPilot für alle oder für einen Arbeitsbereich, während Sie ein Problem untersuchen – ohne Deployment. Jedes Pausieren und Fortsetzen wird im Audit-Protokoll festgehalten.
system-controls-while-paused = Während der Pause:
system-controls-state-running = Läuft
system-controls-state-paused-global = Überall pausiert
system-controls-state-paused-workspaces = { $count ->
    [one] Für einen Arbeitsbereich pausiert
   *[other] Für { $count } Arbeitsbereiche pausiert
}
system-controls-active-pauses = Aktive Pausen
system-controls-scope-global = Überall
system-controls-scope-workspace = Ein Arbeitsbereich
system-controls-scope-workspace-named = Arbeitsbereich { $workspace }
system-controls-paused-by = Pausiert von { $user } am { $time }, { $until }.
system-controls-until = bis { $time }
system-controls-until-resumed = bis zur Fortsetzung
system-controls-field-note = Notiz (optional)
system-controls-resume = Fortsetzen
system-controls-pause-summary = Diese Steuerung pausieren
system-controls-field-reason = Grund
system-controls-field-scope = Geltungsbereich
system-controls-field-workspace = Arbeitsbereich (wenn nur für einen Arbeitsbereich pausiert wird)
system-controls-field-duration = Dauer
system-controls-global-only = Diese Steuerung kann nur überall pausiert werden.
system-controls-duration-until-resumed = Bis zur Fortsetzung
system-controls-duration-1h = 1 Stunde
system-controls-duration-24h = 24 Stunden
system-controls-duration-7d = 7 Tage
system-controls-pause = Pausieren
system-controls-history-title = Letzte Änderungen
system-controls-history-empty = Bisher wurde keine Steuerung pausiert.
system-controls-history-paused = Pausiert
system-controls-history-resumed = Fortgesetzt
system-controls-col-change = Änderung
system-controls-col-control = Steuerung
system-controls-col-by = Von
system-controls-not-paused = Diese Steuerung ist in diesem Geltungsbereich nicht (mehr) pausiert. Laden Sie die Seite neu, um den aktuellen Stand zu sehen.
system-control-operation-starts = Starten von Vorgängen
system-control-operation-starts-description = Benutzer starten Vorgänge von Mandantenseiten, im Onboarding-Assistenten und über die API.
system-control-operation-starts-effect = neue Vorgänge werden mit einer Erklärung abgelehnt; Vorgänge, die bereits in der Warteschlange stehen oder laufen, gehen weiter.
system-control-review-pack-generation = Erstellen von Prüfpaketen
system-control-review-pack-generation-description = Benutzer fordern Prüfpakete an (Vorgänge zum Erstellen von Prüfpaketen). Andere Vorgänge sind nicht betroffen.
system-control-review-pack-generation-effect = neue Anforderungen von Prüfpaketen werden abgelehnt; bereits angeforderte Pakete werden noch erstellt.
system-control-run-execution = Ausführung von Vorgängen
system-control-run-execution-description = Ausführende Prozesse auf jeder Instanz übernehmen Vorgänge aus der Warteschlange.
system-control-run-execution-effect = Vorgänge bleiben in der Warteschlange und starten nach dem Fortsetzen; laufende Vorgänge werden beendet.
system-control-support-desk-handoff = Übergabe an den Support-Desk
system-control-support-desk-handoff-description = Anlegen von Tickets im externen Support-Desk aus Supportanfragen.
system-control-support-desk-handoff-effect = Supportanfragen werden weiterhin erfasst, aber es wird kein externes Ticket angelegt; das Verknüpfen eines bestehenden Tickets funktioniert weiterhin.
validation-control-action = Wählen Sie Pausieren oder Fortsetzen.
validation-control-reason-required = Geben Sie an, warum Sie diese Steuerung pausieren.
validation-control-reason-too-long = Der Grund darf höchstens 500 Zeichen lang sein.
validation-control-scope = Wählen Sie „Überall“ oder einen Arbeitsbereich.
validation-control-scope-global-only = Diese Steuerung kann nicht für einen einzelnen Arbeitsbereich pausiert werden; pausieren Sie sie überall.
validation-control-workspace-required = Geben Sie den Arbeitsbereich an, für den pausiert werden soll.
validation-control-workspace-unknown = Es gibt keinen Arbeitsbereich mit diesem Schlüssel.
validation-control-duration = Wählen Sie eine der angebotenen Dauern.
flash-control-paused = Die Steuerung ist pausiert.
flash-control-pause-updated = Die Pause wurde aktualisiert.
flash-control-resumed = Die Steuerung läuft wieder.
system-controls-refused-operation-starts = Das Starten von Vorgängen ist von den Plattformbetreibern vorübergehend pausiert. Vorgänge in der Warteschlange gehen weiter; versuchen Sie es später erneut.
system-controls-refused-review-pack-generation = Das Anfordern von Prüfpaketen ist von den Plattformbetreibern vorübergehend pausiert. Versuchen Sie es später erneut.

# Telemetry
telemetry-family-onboarding-checkpoints = Onboarding-Checkpoints
telemetry-family-support-diagnostics = Supportdiagnosen
telemetry-family-operations-started = Gestartete Vorgänge
telemetry-family-stored-reports = Gespeicherte Berichte
telemetry-family-review-packs-requested = Angeforderte Prüfpakete
telemetry-active-workspaces = Aktive Arbeitsbereiche
telemetry-empty = Keine Telemetrie in { $window } erfasst.
telemetry-validation-window = Wählen Sie eines der Zeitfenster 24h, 7d oder 30d.

# Platform pauses shown before the click (banner, disabled actions, run execution confirmation)
pause-banner-title = Von den Plattformbetreibern pausiert
pause-banner-scope-global = überall
pause-banner-scope-workspace = in diesem Arbeitsbereich
pause-banner-until = bis { $time }
pause-banner-until-resumed = bis sie fortgesetzt wird
pause-banner-reason = Angegebener Grund:
pause-disabled-operation-starts = Das Starten von Vorgängen ist von den Plattformbetreibern pausiert: { $reason }
pause-disabled-review-pack-generation = Das Erstellen von Prüfpaketen ist von den Plattformbetreibern pausiert: { $reason }
pause-disabled-support-desk-handoff = Das Anlegen externer Tickets ist von den Plattformbetreibern pausiert, daher bleibt diese Supportanfrage nur in TenantPilot (ein bereits eröffnetes Ticket können Sie weiterhin verknüpfen). Angegebener Grund: { $reason }
system-confirm-run-execution-title = Ausführung von Vorgängen überall pausieren?
system-confirm-run-execution-intro = Solange die Ausführung pausiert ist, übernimmt TenantPilot keinen Vorgang aus der Warteschlange: Die ausführenden Prozesse jeder Instanz nehmen bis zum Fortsetzen keine Arbeit an. Laufende Vorgänge werden abgeschlossen; Benutzer können weiterhin Vorgänge starten, die dann in der Warteschlange warten.
system-confirm-run-execution-queued = { $n ->
    [one] 1 Vorgang ist jetzt in der Warteschlange und wartet bis zum Fortsetzen.
   *[other] { $n } Vorgänge sind jetzt in der Warteschlange und warten bis zum Fortsetzen.
}
system-confirm-run-execution-instances = Das betrifft jede Instanz von TenantPilot, die diese Datenbank verwendet.
system-confirm-reason = Ihr Grund:
system-confirm-duration = Dauer:
system-confirm-run-execution-yes = Ja, Ausführung pausieren
system-confirm-cancel = Abbrechen, weiter ausführen

# Arbeitsbereiche (/system/workspaces)
nav-system-workspaces = Arbeitsbereiche
system-workspaces-title = Arbeitsbereiche
system-workspaces-intro = Alle Arbeitsbereiche dieser Installation mit ihren Mitgliedern, Mandanten und offenen Einladungen. Legen Sie hier einen Arbeitsbereich zusammen mit der Einladung seines ersten Inhabers an.
system-workspaces-list-title = Alle Arbeitsbereiche
system-workspaces-empty = Es gibt noch keine Arbeitsbereiche. Legen Sie den ersten mit dem Formular unten an.
system-workspaces-truncated = Angezeigt werden die ersten { $count } Arbeitsbereiche nach Name.
system-workspaces-col-workspace = Arbeitsbereich
system-workspaces-col-members = Mitglieder
system-workspaces-col-tenants = Mandanten
system-workspaces-col-invitations = Offene Einladungen
system-workspaces-col-created = Angelegt
system-workspaces-no-owner = Noch kein Inhaber: Niemand ist Mitglied und keine Einladung ist offen.
system-workspaces-create-title = Arbeitsbereich anlegen
system-workspaces-create-intro = Der erste Inhaber erhält eine Einladung für alle Mandanten des Arbeitsbereichs. Den Einladungslink sehen Sie einmal, direkt nach dem Anlegen.
system-workspaces-field-name = Name
system-workspaces-field-slug = URL-Schlüssel (optional)
system-workspaces-field-slug-hint = Kleinbuchstaben, Ziffern und Bindestriche. Leer lassen, um ihn aus dem Namen abzuleiten.
system-workspaces-field-email = E-Mail-Adresse des ersten Inhabers
system-workspaces-create = Arbeitsbereich anlegen und Inhaber einladen
system-workspaces-created-title = Arbeitsbereich { $name } angelegt
system-workspaces-created-slug = URL-Schlüssel: { $slug }.
validation-workspace-name-taken = Ein Arbeitsbereich mit diesem Namen existiert bereits. Wählen Sie einen anderen Namen.
validation-workspace-slug-needed = Aus dem Namen ergibt sich kein URL-Schlüssel. Geben Sie einen ein: Kleinbuchstaben, Ziffern und Bindestriche.
system-workspaces-invite-owner = Inhaber einladen
system-workspaces-owner-invited-title = Inhaber zu { $name } eingeladen
conflict-workspace-has-owner = Dieser Arbeitsbereich hat bereits ein Mitglied oder eine offene Einladung; seine Inhaber verwalten das Team auf ihrer Mitgliederseite.
