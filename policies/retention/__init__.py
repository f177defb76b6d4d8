"""Deletion and recovery, per agreement: OUS recordings unrecoverable once gone, ECG data restorable but kept no longer than needed."""
