"""Timing: chip passings, photo-finish files and the rules that turn reads into race times.

``passing`` holds the common dataclasses and the line/error helpers every parser shares;
``formats`` reads and writes the hardware formats (JSON batches, RACE RESULT, MYLAPS,
ChronoTrack, IPICO, FinishLynx); ``rules`` holds the pure processing rules (chip → entry,
duplicate reads, primary/backup mats, gun and net time, replay protection).
"""
