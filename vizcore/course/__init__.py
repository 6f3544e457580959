"""Course material: the lecture decks ' tables checked against the models, and the guided tour."""
