-- The database named by Database.
CREATE DATABASE credex
