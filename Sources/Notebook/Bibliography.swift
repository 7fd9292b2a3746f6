// The works the book relies on, in one place. A chapter cites them by key in its prose
// (`r.cite("kingma2016")` -> "(Kingma et al., 2016)", linked to the entry) and `r.references()`
// lists, at the end of the page, exactly the works that page cited.

/// One published work.
public struct Reference: Sendable, Equatable {
    public let key: String
    /// Authors as printed, "Given Family" (the family name is the last word and any lower-case
    /// particles before it, unless `family` is set).
    public let authors: [String]
    /// The year as cited; "2016a"/"2016b" where one first author has two works that year.
    public let year: String
    public let title: String
    public let venue: String
    /// A stable link (arXiv abstract or the publisher's page); empty if none.
    public let url: String
    /// The family names used in citations, e.g. ["van den Oord"]; derived from `authors` if empty.
    public let family: [String]

    public init(_ key: String, authors: [String], year: String, title: String, venue: String,
                url: String = "", family: [String] = []) {
        self.key = key; self.authors = authors; self.year = year; self.title = title
        self.venue = venue; self.url = url
        self.family = family.isEmpty ? authors.map(Reference.familyName) : family
    }

    /// The family name of "Given Family": the last word, with the lower-case particles before it
    /// ("Aäron van den Oord" -> "van den Oord", "Drew van Camp" -> "van Camp").
    public static func familyName(_ author: String) -> String {
        let words = author.split(separator: " ")
        guard let last = words.indices.last else { return "" }
        var start = last
        while start > 1, words[start - 1].first?.isLowercase == true { start -= 1 }
        return words[start...].joined(separator: " ")
    }

    /// "Kingma & Welling" or "Chen et al."
    public var shortAuthors: String {
        switch family.count {
        case 0: return ""
        case 1: return family[0]
        case 2: return family[0] + " & " + family[1]
        default: return family[0] + " et al."
        }
    }

    /// "Kingma & Welling, 2014"
    public var shortCitation: String { shortAuthors + ", " + year }
}

/// The venues most works appeared at, spelled once.
enum Venue {
    static let iclr = "International Conference on Learning Representations (ICLR)"
    static let icml = "International Conference on Machine Learning (ICML)"
    static let nips = "Advances in Neural Information Processing Systems (NIPS)"
}

public enum Bibliography {
    /// Every work the book cites, keyed for `Report.cite`.
    public static let works: [Reference] = [
        Reference("chen2017",
                  authors: ["Xi Chen", "Diederik P. Kingma", "Tim Salimans", "Yan Duan", "Prafulla Dhariwal",
                            "John Schulman", "Ilya Sutskever", "Pieter Abbeel"],
                  year: "2017", title: "Variational Lossy Autoencoder",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1611.02731"),
        Reference("kingma2014", authors: ["Diederik P. Kingma", "Max Welling"], year: "2014",
                  title: "Auto-Encoding Variational Bayes",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1312.6114"),
        Reference("rezende2014", authors: ["Danilo Jimenez Rezende", "Shakir Mohamed", "Daan Wierstra"], year: "2014",
                  title: "Stochastic Backpropagation and Approximate Inference in Deep Generative Models",
                  venue: Venue.icml,
                  url: "https://arxiv.org/abs/1401.4082"),
        Reference("bowman2016",
                  authors: ["Samuel R. Bowman", "Luke Vilnis", "Oriol Vinyals", "Andrew M. Dai", "Rafal Jozefowicz", "Samy Bengio"],
                  year: "2016", title: "Generating Sentences from a Continuous Space",
                  venue: "Conference on Computational Natural Language Learning (CoNLL)",
                  url: "https://arxiv.org/abs/1511.06349"),
        Reference("kingma2016",
                  authors: ["Diederik P. Kingma", "Tim Salimans", "Rafal Jozefowicz", "Xi Chen", "Ilya Sutskever", "Max Welling"],
                  year: "2016", title: "Improved Variational Inference with Inverse Autoregressive Flow",
                  venue: Venue.nips,
                  url: "https://arxiv.org/abs/1606.04934"),
        Reference("burda2016", authors: ["Yuri Burda", "Roger Grosse", "Ruslan Salakhutdinov"], year: "2016",
                  title: "Importance Weighted Autoencoders",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1509.00519"),
        Reference("larochelle2011", authors: ["Hugo Larochelle", "Iain Murray"], year: "2011",
                  title: "The Neural Autoregressive Distribution Estimator",
                  venue: "International Conference on Artificial Intelligence and Statistics (AISTATS)",
                  url: "https://proceedings.mlr.press/v15/larochelle11a.html"),
        Reference("lake2015", authors: ["Brenden M. Lake", "Ruslan Salakhutdinov", "Joshua B. Tenenbaum"], year: "2015",
                  title: "Human-level concept learning through probabilistic program induction",
                  venue: "Science 350(6266)",
                  url: "https://doi.org/10.1126/science.aab3050"),
        Reference("oord2016pixel", authors: ["Aäron van den Oord", "Nal Kalchbrenner", "Koray Kavukcuoglu"], year: "2016a",
                  title: "Pixel Recurrent Neural Networks",
                  venue: Venue.icml,
                  url: "https://arxiv.org/abs/1601.06759"),
        Reference("oord2016conditional",
                  authors: ["Aäron van den Oord", "Nal Kalchbrenner", "Oriol Vinyals", "Lasse Espeholt", "Alex Graves",
                            "Koray Kavukcuoglu"],
                  year: "2016b", title: "Conditional Image Generation with PixelCNN Decoders",
                  venue: Venue.nips,
                  url: "https://arxiv.org/abs/1606.05328"),
        Reference("salimans2017", authors: ["Tim Salimans", "Andrej Karpathy", "Xi Chen", "Diederik P. Kingma"], year: "2017",
                  title: "PixelCNN++: Improving the PixelCNN with Discretized Logistic Mixture Likelihood and Other Modifications",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1701.05517"),
        Reference("germain2015", authors: ["Mathieu Germain", "Karol Gregor", "Iain Murray", "Hugo Larochelle"], year: "2015",
                  title: "MADE: Masked Autoencoder for Distribution Estimation",
                  venue: Venue.icml,
                  url: "https://arxiv.org/abs/1502.03509"),
        Reference("papamakarios2017", authors: ["George Papamakarios", "Theo Pavlakou", "Iain Murray"], year: "2017",
                  title: "Masked Autoregressive Flow for Density Estimation",
                  venue: Venue.nips,
                  url: "https://arxiv.org/abs/1705.07057"),
        Reference("rezende2015", authors: ["Danilo Jimenez Rezende", "Shakir Mohamed"], year: "2015",
                  title: "Variational Inference with Normalizing Flows",
                  venue: Venue.icml,
                  url: "https://arxiv.org/abs/1505.05770"),
        Reference("townsend2019", authors: ["James Townsend", "Tom Bird", "David Barber"], year: "2019",
                  title: "Practical Lossless Compression with Latent Variables using Bits Back Coding",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1901.04866"),
        Reference("ramachandran2017", authors: ["Prajit Ramachandran", "Tom Le Paine", "Pooya Khorrami", "Mohammad Babaeizadeh",
                                                "Shiyu Chang", "Yang Zhang", "Mark A. Hasegawa-Johnson", "Roy H. Campbell", "Thomas S. Huang"],
                  year: "2017",
                  title: "Fast Generation for Convolutional Autoregressive Models",
                  venue: "ICLR 2017 Workshop Track",
                  url: "https://arxiv.org/abs/1704.06001"),
        Reference("duda2013", authors: ["Jarek Duda"], year: "2013",
                  title: "Asymmetric Numeral Systems: Entropy Coding Combining Speed of Huffman Coding with Compression Rate of Arithmetic Coding",
                  venue: "arXiv preprint arXiv:1311.2540",
                  url: "https://arxiv.org/abs/1311.2540"),
        Reference("hinton1993", authors: ["Geoffrey E. Hinton", "Drew van Camp"], year: "1993",
                  title: "Keeping the Neural Networks Simple by Minimizing the Description Length of the Weights",
                  venue: "Proceedings of the Sixth Annual Conference on Computational Learning Theory (COLT)",
                  url: "https://doi.org/10.1145/168304.168306"),
        Reference("frey1997", authors: ["Brendan J. Frey", "Geoffrey E. Hinton"], year: "1997",
                  title: "Efficient Stochastic Source Coding and an Application to a Bayesian Network Source Model",
                  venue: "The Computer Journal 40(2/3), 157–165",
                  url: "https://doi.org/10.1093/comjnl/40.2_and_3.157"),
        Reference("higgins2017",
                  authors: ["Irina Higgins", "Loic Matthey", "Arka Pal", "Christopher Burgess", "Xavier Glorot",
                            "Matthew Botvinick", "Shakir Mohamed", "Alexander Lerchner"],
                  year: "2017", title: "β-VAE: Learning Basic Visual Concepts with a Constrained Variational Framework",
                  venue: Venue.iclr,
                  url: "https://openreview.net/forum?id=Sy2fzU9gl"),
        Reference("alemi2018",
                  authors: ["Alexander A. Alemi", "Ben Poole", "Ian Fischer", "Joshua V. Dillon", "Rif A. Saurous", "Kevin Murphy"],
                  year: "2018", title: "Fixing a Broken ELBO",
                  venue: Venue.icml,
                  url: "https://arxiv.org/abs/1711.00464"),
        Reference("gulrajani2017",
                  authors: ["Ishaan Gulrajani", "Kundan Kumar", "Faruk Ahmed", "Adrien Ali Taiga", "Francesco Visin",
                            "David Vazquez", "Aaron Courville"],
                  year: "2017", title: "PixelVAE: A Latent Variable Model for Natural Images",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1611.05013"),
        Reference("oord2017", authors: ["Aäron van den Oord", "Oriol Vinyals", "Koray Kavukcuoglu"], year: "2017",
                  title: "Neural Discrete Representation Learning",
                  venue: Venue.nips,
                  url: "https://arxiv.org/abs/1711.00937"),
        Reference("kingma2019", authors: ["Friso H. Kingma", "Pieter Abbeel", "Jonathan Ho"], year: "2019",
                  title: "Bit-Swap: Recursive Bits-Back Coding for Lossless Compression with Hierarchical Latent Variables",
                  venue: Venue.icml,
                  url: "https://arxiv.org/abs/1905.06845"),
        Reference("townsend2020", authors: ["James Townsend", "Thomas Bird", "Julius Kunze", "David Barber"], year: "2020",
                  title: "HiLLoC: Lossless Image Compression with Hierarchical Latent Variable Models",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1912.09953"),
        Reference("rombach2022",
                  authors: ["Robin Rombach", "Andreas Blattmann", "Dominik Lorenz", "Patrick Esser", "Björn Ommer"],
                  year: "2022", title: "High-Resolution Image Synthesis with Latent Diffusion Models",
                  venue: "IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
                  url: "https://arxiv.org/abs/2112.10752"),
        Reference("lucas2019", authors: ["James Lucas", "George Tucker", "Roger Grosse", "Mohammad Norouzi"], year: "2019",
                  title: "Don't Blame the ELBO! A Linear VAE Perspective on Posterior Collapse",
                  venue: "Advances in Neural Information Processing Systems (NeurIPS)",
                  url: "https://arxiv.org/abs/1911.02469"),
        Reference("razavi2019", authors: ["Ali Razavi", "Aäron van den Oord", "Ben Poole", "Oriol Vinyals"], year: "2019",
                  title: "Preventing Posterior Collapse with δ-VAEs",
                  venue: Venue.iclr,
                  url: "https://arxiv.org/abs/1901.03416"),
        Reference("sonderby2016",
                  authors: ["Casper Kaae Sønderby", "Tapani Raiko", "Lars Maaløe", "Søren Kaae Sønderby", "Ole Winther"],
                  year: "2016", title: "Ladder Variational Autoencoders",
                  venue: Venue.nips,
                  url: "https://arxiv.org/abs/1602.02282"),
    ]

    /// The work with this key, or nil.
    public static func work(_ key: String) -> Reference? { byKey[key] }

    static let byKey: [String: Reference] = Dictionary(uniqueKeysWithValues: works.map { ($0.key, $0) })
}
