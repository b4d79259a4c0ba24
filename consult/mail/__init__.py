"""Email: the SMTP transport, the text of each message, sending and reminders, and the mail-merge export."""
