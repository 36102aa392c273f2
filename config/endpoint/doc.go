// Package endpoint holds the delivery settings as plain values, and their
// rules: an e-mail address, an SMTP server (SMTP: address, TLS mode,
// account, sender) and a chat webhook (Webhook: URL, format).
//
// Package config reads the delivery key into these values and checks them
// here, naming the key at fault; package jobs hands them to jobs/deliver,
// which checks what it is given against the same rules before it
// connects. The rules are written once, and the configuration needs
// nothing of the transport.
//
// Invariants:
//   - An address is parsed by net/mail and refused with any control
//     character (IsControl: CR, LF, NUL, the Unicode line separators ...),
//     so that it can never carry a second header line or a second
//     recipient; one address, never a list.
//   - A password is never sent without TLS: NoTLS with a username is an
//     error, and so is a password without a username.
//   - Neither the SMTP password nor a webhook URL's token appears in any
//     text of this package: String shows the account and the server, and a
//     webhook's scheme and host only (secret.RedactURL).
package endpoint
