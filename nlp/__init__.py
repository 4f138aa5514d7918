"""Chinese NLP: normalisation, segmentation, extraction, classification, place (issue: Chinese NLP)."""
