"""Identity documents, licences and faces: reading what a customer presents and checking it."""
