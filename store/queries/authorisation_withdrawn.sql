SELECT EXISTS (SELECT FROM authorisation_withdrawals WHERE grant_id = $1)
