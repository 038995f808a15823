"""What a user account may reach in the domain: the club of a coach, the athlete of an athlete."""
