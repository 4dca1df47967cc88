# E-mails (invitations, password reset links), in the recipient's or inviter's language.
mail-invitation-subject = Invitation to { $workspace } on TenantPilot
mail-invitation-intro = { $inviter } invites you to the workspace { $workspace } on TenantPilot with the role { $role }.
mail-invitation-action = To accept, open this link and sign in or create your account:
mail-invitation-expires = The link works once and is valid until { $when }. If it has expired, ask { $inviter } to send the invitation again.
mail-invitation-ignore = If you did not expect this invitation, you can ignore this e-mail.
mail-reset-subject = Set a new TenantPilot password
mail-reset-intro = A link to set a new password for { $email } on TenantPilot was issued for you.
mail-reset-action = Open this link to choose a new password; every session of your account ends when you do:
mail-reset-expires = The link works once and is valid until { $when }. If it has expired, ask a workspace owner or your administrator for a new one.
mail-reset-ignore = If you did not ask for a new password, tell your administrator.
mail-not-sent = The e-mail could not be sent ({ $error }). Copy the link and send it yourself.
