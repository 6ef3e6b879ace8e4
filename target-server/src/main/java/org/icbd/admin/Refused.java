package org.icbd.admin;

/** A request the admin API refuses, with the HTTP status it answers. */
final class Refused extends Exception {

    final int status;

    Refused(int status, String message) {
        super(message);
        this.status = status;
    }
}
