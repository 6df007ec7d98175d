SELECT EXISTS (SELECT FROM authorisations WHERE id = $1 AND withdrawn_at IS NOT NULL)
