"""The risk layer: credit scorecard, blacklist, risk warnings and the decision record that explains them."""
