// What the instructor's guide (output/instructor.html, Notebook/InstructorPage.swift) says of each
// chapter beyond the files a run leaves: the lecture's aim and questions for discussion. Times,
// commands and quiz answers are read from the runs; nothing here states a measured number.

import Notebook

public enum BookTeaching {
    /// The exercises the guide lists (chapter, title, the mistakes the checker recognises, run time).
    /// `swift run book` fills it from Sources/Exercises (Catalog.all and the measured bands).
    nonisolated(unsafe) public static var exercises: () -> [InstructorPage.Exercise] = { [] }

    public static let lectures: [InstructorPage.Lecture] = [
        .init(number: 0, title: Book.title(0),
              aim: "The puzzle the course solves: a more powerful decoder gives a better likelihood and a latent code that carries less. Show the result first, explain it over the next lectures.",
              discussion: ["Why might a model with a better likelihood be a worse representation learner?",
                           "What would you want a latent code of a digit to keep, and what may it drop?"]),
        .init(number: 1, title: Book.title(1),
              aim: "The VAE: encoder, decoder, the reparameterisation trick and the evidence lower bound, trained and measured on binarized MNIST.",
              discussion: ["The ELBO is a bound: what does the gap to $\\log p(x)$ consist of, and when is it zero?",
                           "Why does the reparameterisation trick lower the variance of the gradient compared with the score-function estimator?",
                           "What does the KL term cost, in bits, and who pays it?"]),
        .init(number: 2, title: Book.title(2),
              aim: "Posterior collapse: when the decoder can model the data alone, the optimum sets $q(z\\mid x) = p(z)$ and the code carries nothing. Free bits and KL annealing as remedies.",
              discussion: ["Is a collapsed posterior a failure of optimisation or the optimum of the objective? Argue from the bits-back view.",
                           "Free bits keeps a floor under the KL: what does it change in the gradient, and what does it cost in the bound?",
                           "Which remedy would you trust on a new dataset, and how would you check it worked?"]),
        .init(number: 3, title: Book.title(3),
              aim: "Bits-back coding makes the ELBO a real code length: a lossless coder built on the model compresses the test digits, and its code length is set beside the negative ELBO.",
              discussion: ["Where do the 'bits back' come from, and why must the receiver be able to decode z before x?",
                           "Why is the KL term an inefficiency when the decoder could model x without z?",
                           "What does the measured code length add to a reported ELBO?"]),
        .init(number: 4, title: Book.title(4),
              aim: "Information preference: information the decoder can model locally (its receptive field) stays out of z; sweep the receptive field and watch the code shrink.",
              discussion: ["Predict how the KL changes as the decoder's receptive field grows, and why.",
                           "Which kinds of structure in an image can a small autoregressive window model, and which need z?",
                           "How would the argument change for data other than images, e.g. text?"]),
        .init(number: 5, title: Book.title(5),
              aim: "The lossy code: a decoder limited to local statistics makes z keep the global shape (class, stroke) and drop the texture; decompressions show what the code keeps.",
              discussion: ["What does 'lossy' mean here when the whole model is still a lossless likelihood model?",
                           "How would you measure what the code keeps without looking at samples?",
                           "Why judge class agreement on digits that neither training nor the search looked at?"]),
        .init(number: 6, title: Book.title(6),
              aim: "The autoregressive-flow prior: an AF prior is the same as an IAF posterior on the encoder's path, but it makes the generative path deeper; the chapter measures what that buys.",
              discussion: ["Why is an AF prior the same as an IAF posterior on the encoder's path, and how do the two differ when you sample?",
                           "What does the prior's flexibility buy in bits, and how would you tell it from noise between seeds?"]),
        .init(number: 7, title: Book.title(7),
              aim: "A showcase of the whole argument: slide the decoder's receptive field and watch the code, the samples and the bits change together.",
              discussion: ["Which of the panels would convince a sceptic most, and why?",
                           "What should stay fixed between the slider's positions for the comparison to be fair?"]),
        .init(number: 8, title: Book.title(8),
              aim: "The paper's results table, measured here and set beside the paper's: what reproduces, what does not, and why the runs differ.",
              discussion: ["Which differences to the paper's numbers come from training length, which from the data, which from the estimator?",
                           "How many seeds would you need before calling a difference between two rows real?"]),
        .init(number: 9, title: Book.title(9),
              aim: "What the book measured, and where the ideas went next (for example VQ-VAE and diffusion models).",
              discussion: ["Which later models keep the VLAE's idea of a deliberately limited decoder, and which drop it?",
                           "If you had to pick one experiment of this book to extend, which, and what would you measure?"]),
    ]

    /// Writes `outputRoot/instructor.html` from the chapters' files there.
    @discardableResult
    public static func writeInstructorPage(outputRoot: String) throws -> String {
        try InstructorPage.write(outputRoot: outputRoot, lectures: lectures, exercises: exercises())
    }
}
