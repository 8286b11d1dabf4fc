"""Building the model artifacts the signals read: fastText classifiers, DSIR counts, the UT1 domain table."""
