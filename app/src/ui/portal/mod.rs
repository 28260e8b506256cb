//! The resident portal (居民端): landing, registration and login, the declaration, and
//! following an application; the public pages (policy, open statistics, public notice).
pub mod applications;
pub mod auth;
pub mod complaints;
pub mod declare;
pub mod home;
pub mod public;
