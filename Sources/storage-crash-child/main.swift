// Replaced by the crash-consistency child in a later commit.
