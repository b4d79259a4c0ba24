"""Sign-in and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[InputRequired("Enter your email address"), Length(max=320)]
    )
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])


class PasswordForm(FlaskForm):
    # Asked only of an account that has a password already (not one reached by a one-time link).
    current_password = PasswordField("Current password")
    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Enter a new password"),
            Length(min=12, message="Password must be 12 characters or more"),
            Length(max=128, message="Password must be 128 characters or fewer"),
        ],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[InputRequired("Confirm your new password"), EqualTo("password", "Passwords must match")],
    )


class EmailLinkForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[InputRequired("Enter your email address"), Length(max=320)]
    )
