# Text of the fleet area (issue 13).
fleet-count = { $n ->
    [one] 1 Mandant
   *[other] { $n } Mandanten
}
fleet-filter-verdict = Ergebnis
fleet-filter-search = Name oder Mandanten-ID
fleet-filter-sort = Sortieren nach
fleet-filter-dir = Richtung
fleet-filter-apply = Anwenden
fleet-filter-reset = Zurücksetzen
fleet-filter-all = Alle Ergebnisse
fleet-dir-asc = Aufsteigend
fleet-dir-desc = Absteigend
fleet-sort-attention = Handlungsbedarf zuerst
fleet-sort-name = Name
fleet-sort-last-verified = Zuletzt überprüft
fleet-sort-failed-runs = Fehlgeschlagene Vorgänge (7 Tage)
fleet-counts-label = Mandanten je Ergebnis
fleet-table-label = Verwaltete Mandanten, scrollbar
fleet-col-tenant = Mandant
fleet-col-verdict = Ergebnis
fleet-col-consent = Administratorzustimmung
fleet-col-health = Zustand
fleet-col-verified = Zuletzt überprüft
fleet-col-failed = Fehlgeschlagene Vorgänge (7 Tage)
fleet-col-support = Letzte Supportanfrage
fleet-failed-link = Fehlgeschlagene Vorgänge von { $tenant } in den letzten 7 Tagen
fleet-no-connection = Keine Anbieterverbindung
fleet-no-support = Keine
fleet-handoff-internal_only = Nur TenantPilot
fleet-handoff-external_ticket_created = Externes Ticket angelegt
fleet-handoff-external_ticket_linked = Externes Ticket verknüpft
fleet-handoff-external_handoff_failed = Übergabe fehlgeschlagen
fleet-no-match = Kein Mandant entspricht diesen Filtern.
fleet-page-empty = Diese Seite liegt hinter dem Ende der Liste.
fleet-first-page = Zurück zur ersten Seite
fleet-pager-prev = Zurück
fleet-pager-next = Weiter
time-never = nie
time-just-now = gerade eben
time-minutes-ago = { $n ->
    [one] vor 1 Minute
   *[other] vor { $n } Minuten
}
time-hours-ago = { $n ->
    [one] vor 1 Stunde
   *[other] vor { $n } Stunden
}
time-days-ago = { $n ->
    [one] vor 1 Tag
   *[other] vor { $n } Tagen
}
