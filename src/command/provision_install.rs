//! `provision @SITE provision-install [--profile=P] [--client_email=E]
//! [--force-reinstall]`: installs a site (see [`crate::task::install`]) and prints
//! its login link.

use super::task_runner::Inputs;
use crate::context::prop_text;
use crate::context::store::Store;
use crate::task::install::{install_site, InstallOptions};
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-install` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-install",
    aliases: &[],
    summary: "Install a site: its database, directories, settings and vhost, then the platform's own installer.",
    usage: "provision @SITE provision-install [--profile=NAME] [--client_email=MAIL] [--force-reinstall]",
    arguments: &[
    ],
    options: &[
        ("--profile=NAME", "The install profile (default: the context's)."),
        ("--client_email=MAIL", "The admin account's e-mail address."),
        ("--force-reinstall", "Remove an installed site first."),
    ],
    run: super::spec::Runner::Task(super::spec::Task {
        run: install,
        many: false,
        after: print_login_link,
    }),
};

fn install(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    let opts = InstallOptions {
        force_reinstall: inputs.flag("force-reinstall"),
        profile: inputs.text("profile"),
        client_email: inputs.text("client_email"),
    };
    install_site(store, name, &inputs.run, &opts, p)
}

fn print_login_link(report: &Report) {
    println!("Login link: {}", prop_text(&report.context, "login_link"));
}
