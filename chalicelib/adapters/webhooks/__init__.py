"""Webhook adapters: secrets sealed with KMS, the address guard (DNS + SSRF policy), and the
signed HTTP sender."""
