"""roombench load side: Locust users, measurement, cluster supervisor, matrix runner."""
