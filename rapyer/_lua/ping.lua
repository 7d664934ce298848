-- Returns 1: a trivial script, used to check that scripts load themselves.
return 1
