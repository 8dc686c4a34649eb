"""The embedded SQLite database, as Django runs it plus the upkeep SQLite asks for."""
