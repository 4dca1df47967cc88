# E-Mails (Einladungen, Links zum Zurücksetzen des Passworts), in der Sprache des Empfängers oder der einladenden Person.
mail-invitation-subject = Einladung zu { $workspace } in TenantPilot
mail-invitation-intro = { $inviter } lädt Sie in den Arbeitsbereich { $workspace } in TenantPilot mit der Rolle { $role } ein.
mail-invitation-action = Öffnen Sie zum Annehmen diesen Link und melden Sie sich an oder legen Sie Ihr Konto an:
mail-invitation-expires = Der Link funktioniert einmal und ist gültig bis { $when }. Ist er abgelaufen, bitten Sie { $inviter }, die Einladung erneut zu senden.
mail-invitation-ignore = Wenn Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren.
mail-reset-subject = Neues TenantPilot-Passwort festlegen
mail-reset-intro = Für { $email } wurde ein Link ausgestellt, mit dem Sie ein neues Passwort für TenantPilot festlegen.
mail-reset-action = Öffnen Sie diesen Link und wählen Sie ein neues Passwort; dabei enden alle Sitzungen Ihres Kontos:
mail-reset-expires = Der Link funktioniert einmal und ist gültig bis { $when }. Ist er abgelaufen, bitten Sie einen Inhaber des Arbeitsbereichs oder Ihre Administration um einen neuen.
mail-reset-ignore = Wenn Sie kein neues Passwort angefordert haben, informieren Sie Ihre Administration.
mail-not-sent = Die E-Mail konnte nicht gesendet werden ({ $error }). Kopieren Sie den Link und senden Sie ihn selbst.
